//! The codes a machine-readable zone names a state by (ICAO 9303 part 3): ISO 3166-1 alpha-3,
//! Germany's one-letter `D`, and ICAO's codes for organisations, British nationals who are not
//! citizens, stateless persons and refugees, and `UTO`, the specimens' Utopia.

use isocountry::CountryCode;

/// ICAO's codes that are not ISO 3166-1 alpha-3, with the name BAF's `country` field shows.
const ICAO_ONLY: &[(&str, &str)] = &[
    ("D", "Germany"),
    ("EUE", "European Union"),
    ("GBD", "British Overseas Territories Citizen"),
    ("GBN", "British National (Overseas)"),
    ("GBO", "British Overseas Citizen"),
    ("GBP", "British Protected Person"),
    ("GBS", "British Subject"),
    ("RKS", "Kosovo"),
    ("UNA", "United Nations Specialized Agency"),
    (
        "UNK",
        "United Nations Interim Administration Mission in Kosovo",
    ),
    ("UNO", "United Nations Organization"),
    ("UTO", "Utopia"),
    ("XBA", "African Development Bank"),
    ("XCC", "Caribbean Community"),
    ("XCE", "Council of Europe"),
    ("XCO", "Common Market for Eastern and Southern Africa"),
    ("XDC", "Southern African Development Community"),
    ("XEC", "Economic Community of West African States"),
    ("XES", "Organisation of Eastern Caribbean States"),
    ("XIM", "African Export-Import Bank"),
    ("XOM", "Sovereign Military Order of Malta"),
    ("XPO", "Interpol"),
    ("XXA", "Stateless person"),
    ("XXB", "Refugee"),
    ("XXC", "Refugee (other)"),
    ("XXX", "Unspecified nationality"),
];

/// A state or organisation as a zone or a licence names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Country {
    /// The code as printed (`D` for Germany).
    pub code: &'static str,
    pub name: &'static str,
    /// ISO 3166-1 alpha-3 (`DEU` for Germany's `D`); none for ICAO's other codes.
    pub alpha3: Option<&'static str>,
    pub alpha2: Option<&'static str>,
}

/// The state or organisation `code` (fillers already removed) stands for.
pub fn by_code(code: &str) -> Option<Country> {
    if code == "D" {
        let germany = CountryCode::DEU;
        return Some(Country {
            code: "D",
            name: germany.name(),
            alpha3: Some(germany.alpha3()),
            alpha2: Some(germany.alpha2()),
        });
    }
    if let Ok(country) = CountryCode::for_alpha3(code) {
        return Some(Country {
            code: country.alpha3(),
            name: country.name(),
            alpha3: Some(country.alpha3()),
            alpha2: Some(country.alpha2()),
        });
    }
    ICAO_ONLY
        .iter()
        .find(|(known, _)| *known == code)
        .map(|&(code, name)| Country {
            code,
            name,
            alpha3: None,
            alpha2: None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_icao_and_unknown_codes() {
        let usa = by_code("USA").unwrap();
        assert_eq!(usa.name, "United States of America");
        assert_eq!(usa.alpha2, Some("US"));
        let germany = by_code("D").unwrap();
        assert_eq!((germany.alpha3, germany.alpha2), (Some("DEU"), Some("DE")));
        assert_eq!(by_code("UTO").unwrap().name, "Utopia");
        assert!(by_code("UTQ").is_none());
        assert!(by_code("").is_none());
    }
}
