//! The title and details of an API error body that was cut short (the SDK reads at most
//! [`ERROR_BODY_LIMIT`](crate::ERROR_BODY_LIMIT) of an error body), so that a server sending
//! a 10 MB title still yields an API error with the start of that title.

/// `(title, details)` from the start of a JSON object `{"title": "...", "details": "...", ...}`
/// whose end may be missing. `None` unless the text is such an object with a string `title`.
pub(crate) fn salvage(body: &[u8]) -> Option<(String, Option<String>)> {
    let text = match std::str::from_utf8(body) {
        Ok(text) => text,
        // Cut in the middle of a character: keep the complete ones.
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&body[..e.valid_up_to()]).ok()?,
        Err(_) => return None,
    };
    let mut rest = text.trim_start().strip_prefix('{')?;
    let mut title = None;
    let mut details = None;
    loop {
        rest = rest.trim_start();
        let (key, after_key, _) = string(rest.strip_prefix('"')?)?;
        rest = after_key.trim_start().strip_prefix(':')?.trim_start();
        let Some(value) = rest.strip_prefix('"') else {
            // A non-string member: only scalars are skipped; anything else ends the search.
            let end = rest.find([',', '}'])?;
            if rest[..end].contains(['{', '[', '"']) {
                break;
            }
            rest = &rest[end..];
            if rest.starts_with('}') {
                break;
            }
            rest = &rest[1..];
            continue;
        };
        let (value, after, complete) = string(value)?;
        match key.as_str() {
            "title" => title = Some(value),
            "details" => details = Some(value),
            _ => {}
        }
        if !complete {
            break;
        }
        rest = after.trim_start();
        match rest.strip_prefix(',') {
            Some(more) => rest = more,
            None => break,
        }
    }
    title.map(|t| (t, details))
}

/// Decodes a JSON string body up to its closing quote, or up to the end of the text when it
/// was cut. Returns the value, the text after the quote, and whether the quote was found.
fn string(text: &str) -> Option<(String, &str, bool)> {
    let mut out = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &text[i + 1..], true)),
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, 'b')) => out.push('\u{8}'),
                Some((_, 'f')) => out.push('\u{c}'),
                Some((_, 'u')) => {
                    let hex: String = chars.by_ref().take(4).map(|(_, c)| c).collect();
                    match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        Some(c) => out.push(c),
                        None if hex.len() < 4 => break,
                        // Surrogate halves and the like: a placeholder keeps the length honest.
                        None => out.push('\u{fffd}'),
                    }
                }
                Some((_, c)) => out.push(c),
                None => break,
            },
            c if (c as u32) < 0x20 => return None,
            c => out.push(c),
        }
    }
    Some((out, "", false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_and_cut_bodies() {
        assert_eq!(
            salvage(br#"{"title":"a \"b\"","details":"d\u00e9","status":400}"#),
            Some(("a \"b\"".into(), Some("dé".into())))
        );
        assert_eq!(
            salvage(br#" {"status":500, "title":"xxxxx"#),
            Some(("xxxxx".into(), None))
        );
        assert_eq!(
            salvage("{\"title\":\"é".as_bytes().split_last().unwrap().1),
            Some((String::new(), None))
        );
        assert_eq!(salvage(b"<html>"), None);
        assert_eq!(salvage(br#"{"title":5}"#), None);
        assert_eq!(salvage(br#"{"nested":{"title":"x"}}"#), None);
        assert_eq!(salvage(b""), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(body in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = salvage(&body);
        }

        #[test]
        fn finds_the_start_of_any_title(title in "\\PC{0,40}", cut in 0usize..80) {
            let body = serde_json::to_vec(&serde_json::json!({"title": title, "status": 500})).unwrap();
            let cut = cut.min(body.len());
            if let Some((found, _)) = salvage(&body[..cut]) {
                let ok = title.starts_with(&found) || found.ends_with(char::REPLACEMENT_CHARACTER);
                proptest::prop_assert!(ok, "{:?} is not a start of {:?}", found, title);
            }
            let (found, _) = salvage(&body).unwrap();
            proptest::prop_assert_eq!(found, title);
        }
    }
}
