//! Markdown to safe HTML, done once at import so no page renders Markdown per request.
//!
//! pulldown-cmark renders, syntect highlights fenced code with CSS classes (`hl-…`, styled by
//! `/static/highlight.css`), and ammonia sanitizes the result so a question file can never
//! inject script into a page.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd, html};
use std::sync::LazyLock;
use syntect::highlighting::{Color, Theme, ThemeSet};
use syntect::html::{ClassStyle, ClassedHTMLGenerator, css_for_theme_with_class_style};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tag_attributes("span", &["class"])
        .add_tag_attributes("code", &["class"])
        .add_tag_attributes("pre", &["class"])
        .link_rel(Some("noopener noreferrer nofollow"));
    builder
});

/// HTML that went through [`markdown_to_html`]: the only HTML templates may print unescaped.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SanitizedHtml(String);

impl SanitizedHtml {
    /// Wraps HTML read back from the database, where only this module's output is ever stored.
    pub fn from_trusted_storage(html: String) -> SanitizedHtml {
        SanitizedHtml(html)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for SanitizedHtml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Marks where a highlighted code block goes back in after sanitizing. A private-use character
/// cannot come from the highlighter, and if a question file contains it the worst outcome is a
/// code block of that same file showing up twice.
const CODE_MARK: char = '\u{E000}';

/// Renders Markdown to sanitized HTML with highlighted code blocks.
///
/// The Markdown's own HTML is sanitized *before* the highlighted code is put back: the
/// highlighter escapes all text and emits only `<span class>`, so this is as safe as
/// sanitizing everything, and it spares ammonia from re-parsing thousands of spans.
pub fn markdown_to_html(markdown: &str) -> SanitizedHtml {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut events = Vec::new();
    let mut blocks = Vec::new();
    let mut code: Option<(String, String)> = None;
    for event in Parser::new_ext(markdown, options) {
        match (&mut code, event) {
            (None, Event::Start(Tag::CodeBlock(kind))) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_owned()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            (Some((_, text)), Event::Text(t)) => text.push_str(&t),
            (Some(_), Event::End(TagEnd::CodeBlock)) => {
                if let Some((lang, text)) = code.take() {
                    let marker = format!("{CODE_MARK}{}{CODE_MARK}", blocks.len());
                    blocks.push(highlight(&lang, &text));
                    events.push(Event::Html(format!("<p>{marker}</p>\n").into()));
                }
            }
            (Some(_), _) => {}
            (None, Event::Text(t)) if t.contains(CODE_MARK) => {
                events.push(Event::Text(t.replace(CODE_MARK, "").into()));
            }
            (None, other) => events.push(other),
        }
    }
    let mut raw = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut raw, events.into_iter());
    let mut clean = SANITIZER.clean(&raw).to_string();
    for (i, block) in blocks.iter().enumerate() {
        clean = clean.replacen(&format!("<p>{CODE_MARK}{i}{CODE_MARK}</p>"), block, 1);
    }
    SanitizedHtml(clean)
}

/// Syntax names in the fences we write map onto syntect's bundled grammars.
fn syntax_token(lang: &str) -> &str {
    match lang {
        "js" | "mjs" | "cjs" | "javascript" | "jsx" | "ts" | "typescript" => "js",
        "sh" | "bash" | "shell" | "console" => "sh",
        other => other,
    }
}

fn highlight(lang: &str, code: &str) -> String {
    let lang_class = escape_attr(lang);
    let syntax = if lang.is_empty() {
        None
    } else {
        SYNTAXES.find_syntax_by_token(syntax_token(lang))
    };
    let Some(syntax) = syntax else {
        return format!(
            "<pre class=\"code\"><code class=\"language-{lang_class}\">{}</code></pre>\n",
            escape_text(code)
        );
    };
    let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, &SYNTAXES, CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        if generator
            .parse_html_for_line_which_includes_newline(line)
            .is_err()
        {
            // A grammar that cannot cope with the text is no reason to lose the code.
            return format!(
                "<pre class=\"code\"><code class=\"language-{lang_class}\">{}</code></pre>\n",
                escape_text(code)
            );
        }
    }
    format!(
        "<pre class=\"code\"><code class=\"language-{lang_class}\">{}</code></pre>\n",
        generator.finalize()
    )
}

fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn escape_attr(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Where code blocks sit: `--panel` in `web/assets/app.css`, light and dark (keep in step).
const LIGHT_PANEL: Color = Color {
    r: 0xff,
    g: 0xff,
    b: 0xff,
    a: 0xff,
};
const DARK_PANEL: Color = Color {
    r: 0x16,
    g: 0x1b,
    b: 0x22,
    a: 0xff,
};

/// WCAG AA asks 4.5:1 for normal text; a little more absorbs rounding in the browser.
const MIN_CONTRAST: f64 = 4.6;

/// The stylesheet for highlighted code: a light theme under `prefers-color-scheme: light` and
/// a dark one under `dark` (scoped both ways, so no light colour leaks into dark mode), each
/// with its colours nudged until they read at WCAG AA contrast on the code background.
pub fn highlight_css() -> String {
    let light = readable_theme("InspiredGitHub", LIGHT_PANEL)
        .and_then(|t| css_for_theme_with_class_style(&t, CLASS_STYLE).ok())
        .unwrap_or_default();
    let dark = readable_theme("base16-ocean.dark", DARK_PANEL)
        .and_then(|t| css_for_theme_with_class_style(&t, CLASS_STYLE).ok())
        .unwrap_or_default();
    format!(
        "@media (prefers-color-scheme: light) {{\n{light}\n}}\n\
         @media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
    )
}

/// A bundled theme whose text colours all reach [`MIN_CONTRAST`] on `panel` (or on the
/// scope's own background, where it has one).
fn readable_theme(name: &str, panel: Color) -> Option<Theme> {
    let mut theme = ThemeSet::load_defaults().themes.remove(name)?;
    if let Some(fg) = theme.settings.foreground.as_mut() {
        *fg = readable(*fg, panel);
    }
    for item in &mut theme.scopes {
        let background = item.style.background.unwrap_or(panel);
        if let Some(fg) = item.style.foreground.as_mut() {
            *fg = readable(*fg, background);
        }
    }
    Some(theme)
}

/// `fg` if it reads on `bg`, else `fg` mixed toward black or white (whichever stands out more
/// on `bg`) in small steps until it does: the hue stays recognisable.
fn readable(fg: Color, bg: Color) -> Color {
    let black = Color::BLACK;
    let white = Color::WHITE;
    let target = if contrast(black, bg) > contrast(white, bg) {
        black
    } else {
        white
    };
    let mix = |from: u8, to: u8, t: f64| -> u8 {
        (f64::from(from) + (f64::from(to) - f64::from(from)) * t).round() as u8
    };
    for step in 0..=20 {
        let t = f64::from(step) / 20.0;
        let mixed = Color {
            r: mix(fg.r, target.r, t),
            g: mix(fg.g, target.g, t),
            b: mix(fg.b, target.b, t),
            a: 0xff,
        };
        if contrast(mixed, bg) >= MIN_CONTRAST {
            return if step == 0 { fg } else { mixed };
        }
    }
    target
}

/// WCAG 2 contrast ratio between two opaque colours.
fn contrast(a: Color, b: Color) -> f64 {
    fn luminance(c: Color) -> f64 {
        let channel = |v: u8| {
            let s = f64::from(v) / 255.0;
            if s <= 0.04045 {
                s / 12.92
            } else {
                ((s + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)
    }
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_blocks_are_highlighted_with_classes_not_inline_styles() {
        let html = markdown_to_html("```js\nconst a = 1;\n```\n").into_string();
        assert!(html.contains("class=\"hl-"), "{html}");
        assert!(!html.contains("style="), "{html}");
        assert!(html.contains("language-js"));
    }

    #[test]
    fn scripts_and_event_handlers_are_removed() {
        let html = markdown_to_html("<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n")
            .into_string();
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
    }

    #[test]
    fn html_inside_code_blocks_stays_escaped_text() {
        let html =
            markdown_to_html("```js\nconst s = '<script>alert(1)</script>';\n```\n").into_string();
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;") || html.contains("&lt;</span>"),
            "{html}"
        );
    }

    #[test]
    fn a_private_use_marker_in_the_text_cannot_inject_markup() {
        let html =
            markdown_to_html("before \u{E000}0\u{E000} after\n\n```js\nx\n```\n").into_string();
        assert_eq!(html.matches("<pre").count(), 1, "{html}");
    }

    #[test]
    fn every_highlight_colour_reads_at_wcag_aa_on_the_code_background() {
        for (name, panel) in [
            ("InspiredGitHub", LIGHT_PANEL),
            ("base16-ocean.dark", DARK_PANEL),
        ] {
            let theme = readable_theme(name, panel).unwrap();
            for item in &theme.scopes {
                if let Some(fg) = item.style.foreground {
                    let bg = item.style.background.unwrap_or(panel);
                    assert!(contrast(fg, bg) >= 4.5, "{name}: {fg:?} on {bg:?}");
                }
            }
        }
        // Colours that already read are kept as they are.
        let dark_grey = Color {
            r: 0x32,
            g: 0x32,
            b: 0x32,
            a: 0xff,
        };
        assert_eq!(readable(dark_grey, LIGHT_PANEL), dark_grey);
    }

    #[test]
    fn light_highlight_colours_never_apply_in_dark_mode() {
        let css = highlight_css();
        let dark = css.find("@media (prefers-color-scheme: dark)").unwrap();
        assert!(css.starts_with("@media (prefers-color-scheme: light)"));
        assert!(css[..dark].contains("theme \"GitHub\""), "{css}");
        assert!(css[dark..].contains("Base16 Ocean Dark"), "{css}");
    }

    #[test]
    fn unknown_languages_are_escaped_plain_text() {
        let html = markdown_to_html("```weird\n<b>x</b>\n```\n").into_string();
        assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"), "{html}");
    }
}
