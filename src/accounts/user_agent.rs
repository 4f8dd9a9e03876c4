//! A short, human summary of a `User-Agent` header ("Firefox on Linux"), stored with each
//! session so people can tell their sign-ins apart. The raw header is not kept.

/// Longest summary stored, in characters.
const MAX_CHARS: usize = 64;

/// Browsers by what their header holds, the first that matches wins (Edge and Opera also say
/// "Chrome", Chrome also says "Safari").
const BROWSERS: &[(&[&str], &str)] = &[
    (&["Edg/", "EdgA/", "EdgiOS/"], "Edge"),
    (&["OPR/", "Opera"], "Opera"),
    (&["Firefox/", "FxiOS/"], "Firefox"),
    (&["Chromium/"], "Chromium"),
    (&["Chrome/", "CriOS/"], "Chrome"),
    (&["Safari/"], "Safari"),
    (&["curl/"], "curl"),
];

/// Systems the same way (Android also says "Linux", iOS "Mac OS X").
const SYSTEMS: &[(&[&str], &str)] = &[
    (&["Android"], "Android"),
    (&["iPhone", "iPad"], "iOS"),
    (&["Windows"], "Windows"),
    (&["CrOS"], "ChromeOS"),
    (&["Macintosh", "Mac OS X"], "macOS"),
    (&["Linux"], "Linux"),
];

/// "Browser on system", whichever parts can be recognised.
pub fn summarize(user_agent: &str) -> String {
    let has = |needle: &str| user_agent.contains(needle);
    let first_known = |known: &[(&[&str], &'static str)]| {
        known
            .iter()
            .find(|(marks, _)| marks.iter().any(|&mark| has(mark)))
            .map(|(_, name)| *name)
    };
    let browser = first_known(BROWSERS);
    let system = first_known(SYSTEMS);
    let summary = match (browser, system) {
        (Some(browser), Some(system)) => format!("{browser} on {system}"),
        (Some(browser), None) => browser.to_owned(),
        (None, Some(system)) => format!("A browser on {system}"),
        (None, None) if user_agent.trim().is_empty() => "An unknown browser".to_owned(),
        (None, None) => "Another program".to_owned(),
    };
    summary.chars().take(MAX_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::summarize;
    use proptest::prelude::*;

    #[test]
    fn common_browsers_are_named_with_their_system() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on Linux",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                "Safari on macOS",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                "Safari on iOS",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            ("curl/8.5.0", "curl"),
            ("", "An unknown browser"),
            ("something/1.0", "Another program"),
        ];
        for (user_agent, expected) in cases {
            assert_eq!(summarize(user_agent), expected, "{user_agent}");
        }
    }

    proptest! {
        #[test]
        fn a_summary_is_short_whatever_the_header(user_agent in "\\PC{0,300}") {
            prop_assert!(summarize(&user_agent).chars().count() <= 64);
        }
    }
}
