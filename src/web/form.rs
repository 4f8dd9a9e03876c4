//! Reading submitted forms as plain name/value pairs, so that a missing or malformed field
//! becomes a message for the person rather than an extractor's 400.

/// The fields of a submitted form, in order (a name may repeat, as with checkboxes).
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of a field, or "" when it is missing.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or("")
    }

    /// The first value of a field, trimmed, or `None` when missing or blank.
    pub fn non_empty(&self, name: &str) -> Option<String> {
        Some(self.get(name).trim().to_owned()).filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::Fields;

    #[test]
    fn missing_fields_read_as_empty() {
        let fields = Fields(vec![("a".into(), " x ".into()), ("a".into(), "y".into())]);
        assert_eq!(fields.get("a"), " x ");
        assert_eq!(fields.get("b"), "");
        assert_eq!(fields.non_empty("a").as_deref(), Some("x"));
        assert_eq!(fields.non_empty("b"), None);
    }
}
