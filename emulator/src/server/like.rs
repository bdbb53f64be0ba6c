//! SQL `LIKE` as Postgres evaluates it, for the audit-log filters (`LIKE '%' || x || '%'`):
//! `%` is any run of characters, `_` any one character, `\` escapes the next one.

/// Whether `value` matches `%pattern%`.
pub(crate) fn contains(value: &str, pattern: &str) -> bool {
    let mut tokens = vec![Token::Any];
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '%' => Token::Any,
            '_' => Token::One,
            '\\' => Token::Char(chars.next().unwrap_or('\\')),
            c => Token::Char(c),
        });
    }
    tokens.push(Token::Any);
    let value: Vec<char> = value.chars().collect();
    matches(&tokens, &value)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Token {
    Any,
    One,
    Char(char),
}

/// Wildcard matching with backtracking on the last `%` (linear in practice).
fn matches(tokens: &[Token], value: &[char]) -> bool {
    let (mut t, mut v) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while v < value.len() {
        match tokens.get(t) {
            Some(Token::Any) => {
                star = Some((t, v));
                t += 1;
            }
            Some(Token::One) => {
                t += 1;
                v += 1;
            }
            Some(Token::Char(c)) if *c == value[v] => {
                t += 1;
                v += 1;
            }
            _ => match star {
                Some((st, sv)) => {
                    t = st + 1;
                    v = sv + 1;
                    star = Some((st, sv + 1));
                }
                None => return false,
            },
        }
    }
    tokens[t..].iter().all(|t| *t == Token::Any)
}

#[cfg(test)]
mod tests {
    use super::contains;

    #[test]
    fn like_wildcards() {
        assert!(contains("alice", "lic"));
        assert!(contains("alice", "a_i"));
        assert!(contains("alice", "a%e"));
        assert!(!contains("alice", "bob"));
        assert!(contains("a_b", "\\_"));
        assert!(!contains("ab", "\\_"));
        assert!(contains("anything", ""));
    }
}
