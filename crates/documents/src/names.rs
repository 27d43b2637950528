//! Whether a name as someone typed it (a blacklist entry: any case, accents, hyphens) is the name
//! a document carries. A machine-readable zone holds only A–Z: ICAO 9303 part 3 §6 writes `Ü` as
//! `UE` (or `U`), `Å` as `AA`, `ß` as `SS`, and turns spaces, hyphens and apostrophes into `<`;
//! licences are upper-case ASCII too. So both names are brought to those letters, each in the
//! two spellings the zone allows, and compared word by word.

use unicode_normalization::UnicodeNormalization;

/// ICAO's transliterations of letters that are not a Latin letter plus marks; `expanded` is the
/// recommended spelling, the other is the letter without its marks.
fn transliteration(letter: char) -> Option<(&'static str, &'static str)> {
    Some(match letter {
        'Ä' => ("AE", "A"),
        'Ö' => ("OE", "O"),
        'Ü' => ("UE", "U"),
        'Å' => ("AA", "A"),
        'Æ' => ("AE", "AE"),
        'Ø' => ("OE", "O"),
        'Œ' => ("OE", "OE"),
        'ẞ' => ("SS", "SS"),
        'Þ' => ("TH", "TH"),
        'Ð' | 'Đ' => ("D", "D"),
        'Ł' => ("L", "L"),
        'Ħ' => ("H", "H"),
        'Ĳ' => ("IJ", "IJ"),
        'ı' | 'İ' => ("I", "I"),
        _ => return None,
    })
}

/// The name in zone letters, words separated by one space.
fn spelled(name: &str, expanded: bool) -> String {
    let mut letters = String::with_capacity(name.len());
    for letter in name.to_uppercase().chars() {
        if let Some((recommended, plain)) = transliteration(letter) {
            letters.push_str(if expanded { recommended } else { plain });
        } else if letter.is_alphabetic() {
            letters.extend(letter.nfd().filter(char::is_ascii_uppercase));
        } else {
            letters.push(' ');
        }
    }
    letters.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The spellings a zone may give the name (one or two).
fn spellings(name: &str) -> Vec<String> {
    let mut forms = vec![spelled(name, true), spelled(name, false)];
    forms.dedup();
    forms
}

/// Whether `entered` and `read` are the same name in any spelling the zone allows; an empty name
/// is nobody's.
pub fn same_name(entered: &str, read: &str) -> bool {
    let read = spellings(read);
    spellings(entered)
        .iter()
        .any(|form| !form.is_empty() && read.contains(form))
}

/// Whether a person entered by name (a blacklist entry) is the document's holder: the family
/// names and the first names are the same. Middle names are left out, as an entry often omits
/// them; either first name may be empty only if both are.
pub fn same_person(entered: (&str, &str), read: (&str, &str)) -> bool {
    let ((entered_first, entered_family), (read_first, read_family)) = (entered, read);
    let first_names_agree = if spelled(entered_first, true).is_empty() {
        spelled(read_first, true).is_empty()
    } else {
        same_name(entered_first, read_first)
    };
    same_name(entered_family, read_family) && first_names_agree
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_accents_and_separators_do_not_matter() {
        assert!(same_name("José", "JOSE"));
        assert!(same_name("jean-luc", "JEAN LUC"));
        assert!(same_name("O'Brien", "O BRIEN"));
        assert!(same_name("  Ana   María ", "ANA MARIA"));
        assert!(same_name("Łukasz", "LUKASZ"));
        assert!(same_name("Çelik", "CELIK"));
    }

    #[test]
    fn zone_transliterations_are_both_accepted() {
        assert!(same_name("Müller", "MUELLER"));
        assert!(same_name("Müller", "MULLER"));
        assert!(same_name("Åström", "AASTROEM"));
        assert!(same_name("Straße", "STRASSE"));
        assert!(same_name("Søren", "SOEREN"));
        assert!(same_name("Ærø", "AEROE"));
        assert!(same_name("MUELLER", "Müller"));
    }

    #[test]
    fn a_person_is_the_same_first_and_family_names() {
        assert!(same_person(("Grace", "Okafor"), ("GRACE", "OKAFOR")));
        assert!(same_person(("Jürgen", "Groß"), ("JUERGEN", "GROSS")));
        assert!(!same_person(("Grace", "Okafor"), ("GRACE", "OKAFO")));
        assert!(!same_person(("Grace", "Okafor"), ("JOY", "OKAFOR")));
        assert!(same_person(("", "Okafor"), ("", "OKAFOR")));
        assert!(!same_person(("", "Okafor"), ("GRACE", "OKAFOR")));
        assert!(!same_person(("", ""), ("", "")));
    }

    #[test]
    fn different_names_and_empty_names_do_not_match() {
        assert!(!same_name("Muller", "MILLER"));
        assert!(!same_name("Anna", "ANNA MARIA"));
        assert!(!same_name("", ""));
        assert!(!same_name("---", "<<<"));
    }
}
