//! Licence plates: normalised before they are checked or stored, so " abc  123 " and "ABC 123"
//! are the same plate. Shared by server and browser.

use std::fmt;

use serde::{Deserialize, Serialize};

pub const MAX_LEN: usize = 15;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LicensePlate(String);

impl LicensePlate {
    /// Trims, upper-cases and collapses inner whitespace, then requires 1–15 characters of
    /// A–Z, 0–9, space or hyphen.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let normalised = raw
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase();
        if normalised.is_empty() {
            return Err("the licence plate is empty".into());
        }
        if normalised.chars().count() > MAX_LEN {
            return Err(format!(
                "the licence plate has more than {MAX_LEN} characters"
            ));
        }
        if let Some(bad) = normalised
            .chars()
            .find(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || *c == ' ' || *c == '-'))
        {
            return Err(format!(
                "the licence plate may hold only letters A–Z, digits, spaces and hyphens, not {bad:?}"
            ));
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LicensePlate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_whitespace() {
        assert_eq!(
            LicensePlate::parse("  abc \t 1234 ").unwrap().as_str(),
            "ABC 1234"
        );
        assert_eq!(LicensePlate::parse("b-xy-42").unwrap().as_str(), "B-XY-42");
    }

    #[test]
    fn refuses_empty_long_and_foreign_characters() {
        assert!(LicensePlate::parse("   ").is_err());
        assert!(LicensePlate::parse("ABCDEFGHIJKLMNOP").is_err());
        assert!(LicensePlate::parse("ABCDEFGHIJKLMNO").is_ok());
        assert!(LicensePlate::parse("ÄB-12").is_err());
        assert!(LicensePlate::parse("AB_12").is_err());
    }
}
