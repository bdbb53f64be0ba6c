//! The errors of Go's `encoding/json` decoder, with Go's wording and byte offsets: the server
//! answers a malformed body with them (`Syntax error: offset=2, error=invalid character 'b'
//! looking for beginning of object key string`).
//!
//! This is Go's scanner (`encoding/json/scanner.go`) as a small state machine: it validates,
//! and it reports the first error exactly as Go does. Values themselves are decoded by
//! `serde_json` once the scan says they are well-formed.

/// How a Go decoder reading `input` fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GoJsonError {
    /// `*json.SyntaxError`: Go's message and its 1-based byte offset.
    Syntax { message: String, offset: usize },
    /// `json.Decoder`: the input ends inside a value (`io.ErrUnexpectedEOF`).
    UnexpectedEof,
    /// `json.Decoder`: there is no value at all (`io.EOF`).
    Eof,
    /// `json.Unmarshal`: the input ends inside a value, or is empty.
    UnexpectedEndOfInput,
}

impl std::fmt::Display for GoJsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Syntax { message, .. } => f.write_str(message),
            Self::UnexpectedEof => f.write_str("unexpected EOF"),
            Self::Eof => f.write_str("EOF"),
            Self::UnexpectedEndOfInput => f.write_str("unexpected end of JSON input"),
        }
    }
}

/// Which Go entry point reads the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reader {
    /// `json.NewDecoder(r).Decode(v)`: the first value; what follows it is never read.
    Decoder,
    /// `json.Unmarshal(data, v)`: exactly one value, then only whitespace.
    Unmarshal,
}

/// Scans `input` as `reader` does; on success returns where the first value ends.
pub(crate) fn scan(input: &[u8], reader: Reader) -> Result<usize, GoJsonError> {
    let mut scanner = Scanner {
        stack: Vec::new(),
        state: State::BeginValue,
    };
    let mut end = None;
    for (i, &c) in input.iter().enumerate() {
        if let Some(end) = end {
            // Only `Unmarshal` gets here: after the value, whitespace alone.
            if !is_space(c) {
                return Err(syntax(c, "after top-level value", i));
            }
            let _: usize = end;
            continue;
        }
        match scanner.step(c) {
            Ok(Step::Continue) => {}
            Ok(Step::EndedBefore) => {
                // A number ends at the byte after it, which belongs to what follows.
                if reader == Reader::Decoder {
                    return Ok(i);
                }
                end = Some(i);
                if !is_space(c) {
                    return Err(syntax(c, "after top-level value", i));
                }
            }
            Ok(Step::EndedWith) => {
                if reader == Reader::Decoder {
                    return Ok(i + 1);
                }
                end = Some(i + 1);
            }
            Err(context) => return Err(syntax(c, context, i)),
        }
    }
    if let Some(end) = end {
        return Ok(end);
    }
    // End of input: a number at top level may end here.
    if scanner.stack.is_empty() && scanner.state.ends_number() {
        return Ok(input.len());
    }
    let nothing = matches!(scanner.state, State::BeginValue) && scanner.stack.is_empty();
    Err(match (reader, nothing) {
        (Reader::Decoder, true) => GoJsonError::Eof,
        (Reader::Decoder, false) => GoJsonError::UnexpectedEof,
        (Reader::Unmarshal, _) => GoJsonError::UnexpectedEndOfInput,
    })
}

fn syntax(c: u8, context: &str, index: usize) -> GoJsonError {
    GoJsonError::Syntax {
        message: format!("invalid character {} {context}", quote_char(c)),
        offset: index + 1,
    }
}

/// Go's `quoteChar`: the byte as a rune in single quotes, escaped like `strconv.Quote`.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => r"'\''".to_string(),
        b'"' => "'\"'".to_string(),
        b'\\' => r"'\\'".to_string(),
        b'\x07' => r"'\a'".to_string(),
        b'\x08' => r"'\b'".to_string(),
        b'\x0c' => r"'\f'".to_string(),
        b'\n' => r"'\n'".to_string(),
        b'\r' => r"'\r'".to_string(),
        b'\t' => r"'\t'".to_string(),
        b'\x0b' => r"'\v'".to_string(),
        0x7f => r"'\x7f'".to_string(),
        c if c < 0x20 => format!(r"'\x{c:02x}'"),
        // `string(byte)` in Go is the rune U+00XX: printable Latin-1 stays as it is.
        0x80..=0xa0 => format!(r"'\u{:04x}'", c),
        0xad => r"'\u00ad'".to_string(),
        c => format!("'{}'", char::from(c)),
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// Go's `parseState`: what the innermost open container expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parse {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    BeginValue,
    BeginValueOrEmpty,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    InString,
    InStringEsc,
    InStringEscU(u8),
    Neg,
    Zero,
    Digits,
    Dot,
    DotDigits,
    E,
    ESign,
    EDigits,
    /// In a literal: the bytes still expected, and the literal.
    Literal(&'static [u8], &'static str),
}

impl State {
    fn ends_number(self) -> bool {
        matches!(
            self,
            Self::Zero | Self::Digits | Self::DotDigits | Self::EDigits
        )
    }
}

enum Step {
    Continue,
    /// The top-level value ended with this byte.
    EndedWith,
    /// The top-level value (a number) ended before this byte.
    EndedBefore,
}

struct Scanner {
    stack: Vec<Parse>,
    state: State,
}

impl Scanner {
    /// One byte; `Err` is Go's context for "invalid character … <context>".
    fn step(&mut self, c: u8) -> Result<Step, &'static str> {
        match self.state {
            State::BeginValueOrEmpty | State::BeginValue => {
                if is_space(c) {
                    return Ok(Step::Continue);
                }
                if c == b']' && self.state == State::BeginValueOrEmpty {
                    return self.end_value(c);
                }
                self.begin_value(c)
            }
            State::BeginStringOrEmpty | State::BeginString => {
                if is_space(c) {
                    return Ok(Step::Continue);
                }
                if c == b'}' && self.state == State::BeginStringOrEmpty {
                    if let Some(top) = self.stack.last_mut() {
                        *top = Parse::ObjectValue;
                    }
                    return self.end_value(c);
                }
                if c == b'"' {
                    return self.go(State::InString);
                }
                Err("looking for beginning of object key string")
            }
            State::EndValue => self.end_value(c),
            State::InString => match c {
                b'"' => self.value_done(),
                b'\\' => self.go(State::InStringEsc),
                c if c < 0x20 => Err("in string literal"),
                _ => Ok(Step::Continue),
            },
            State::InStringEsc => match c {
                b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => self.go(State::InString),
                b'u' => self.go(State::InStringEscU(0)),
                _ => Err("in string escape code"),
            },
            State::InStringEscU(n) => {
                if !c.is_ascii_hexdigit() {
                    return Err("in \\u hexadecimal character escape");
                }
                self.go(if n == 3 {
                    State::InString
                } else {
                    State::InStringEscU(n + 1)
                })
            }
            State::Neg => match c {
                b'0' => self.go(State::Zero),
                b'1'..=b'9' => self.go(State::Digits),
                _ => Err("in numeric literal"),
            },
            State::Zero | State::Digits => match c {
                b'0'..=b'9' if self.state == State::Digits => self.go(State::Digits),
                b'.' => self.go(State::Dot),
                b'e' | b'E' => self.go(State::E),
                _ => self.end_number(c),
            },
            State::Dot => match c {
                b'0'..=b'9' => self.go(State::DotDigits),
                _ => Err("after decimal point in numeric literal"),
            },
            State::DotDigits => match c {
                b'0'..=b'9' => self.go(State::DotDigits),
                b'e' | b'E' => self.go(State::E),
                _ => self.end_number(c),
            },
            State::E => match c {
                b'+' | b'-' => self.go(State::ESign),
                b'0'..=b'9' => self.go(State::EDigits),
                _ => Err("in exponent of numeric literal"),
            },
            State::ESign => match c {
                b'0'..=b'9' => self.go(State::EDigits),
                _ => Err("in exponent of numeric literal"),
            },
            State::EDigits => match c {
                b'0'..=b'9' => self.go(State::EDigits),
                _ => self.end_number(c),
            },
            State::Literal(rest, name) => {
                if rest.first() != Some(&c) {
                    return Err(literal_context(name, rest));
                }
                if rest.len() == 1 {
                    return self.value_done();
                }
                self.go(State::Literal(&rest[1..], name))
            }
        }
    }

    fn go(&mut self, state: State) -> Result<Step, &'static str> {
        self.state = state;
        Ok(Step::Continue)
    }

    fn begin_value(&mut self, c: u8) -> Result<Step, &'static str> {
        match c {
            b'{' => {
                self.stack.push(Parse::ObjectKey);
                self.go(State::BeginStringOrEmpty)
            }
            b'[' => {
                self.stack.push(Parse::ArrayValue);
                self.go(State::BeginValueOrEmpty)
            }
            b'"' => self.go(State::InString),
            b'-' => self.go(State::Neg),
            b'0' => self.go(State::Zero),
            b'1'..=b'9' => self.go(State::Digits),
            b't' => self.go(State::Literal(b"rue", "true")),
            b'f' => self.go(State::Literal(b"alse", "false")),
            b'n' => self.go(State::Literal(b"ull", "null")),
            _ => Err("looking for beginning of value"),
        }
    }

    /// A string or literal just ended with this byte.
    fn value_done(&mut self) -> Result<Step, &'static str> {
        self.state = State::EndValue;
        Ok(if self.stack.is_empty() {
            Step::EndedWith
        } else {
            Step::Continue
        })
    }

    /// A number ends at `c`, which is then read as what follows a value.
    fn end_number(&mut self, c: u8) -> Result<Step, &'static str> {
        self.state = State::EndValue;
        if self.stack.is_empty() {
            return Ok(Step::EndedBefore);
        }
        self.end_value(c)
    }

    /// Go's `stateEndValue`: a separator, a closing bracket, or whitespace.
    fn end_value(&mut self, c: u8) -> Result<Step, &'static str> {
        self.state = State::EndValue;
        if is_space(c) {
            return Ok(Step::Continue);
        }
        let Some(top) = self.stack.last_mut() else {
            return Err("after top-level value");
        };
        match (*top, c) {
            (Parse::ObjectKey, b':') => {
                *top = Parse::ObjectValue;
                self.go(State::BeginValue)
            }
            (Parse::ObjectKey, _) => Err("after object key"),
            (Parse::ObjectValue, b',') => {
                *top = Parse::ObjectKey;
                self.go(State::BeginString)
            }
            (Parse::ObjectValue, b'}') | (Parse::ArrayValue, b']') => {
                self.stack.pop();
                Ok(if self.stack.is_empty() {
                    Step::EndedWith
                } else {
                    Step::Continue
                })
            }
            (Parse::ObjectValue, _) => Err("after object key:value pair"),
            (Parse::ArrayValue, b',') => self.go(State::BeginValue),
            (Parse::ArrayValue, _) => Err("after array element"),
        }
    }
}

fn literal_context(name: &str, rest: &[u8]) -> &'static str {
    let expecting = rest.first().copied().unwrap_or(b' ');
    match (name, expecting) {
        ("true", b'r') => "in literal true (expecting 'r')",
        ("true", b'u') => "in literal true (expecting 'u')",
        ("true", _) => "in literal true (expecting 'e')",
        ("false", b'a') => "in literal false (expecting 'a')",
        ("false", b'l') => "in literal false (expecting 'l')",
        ("false", b's') => "in literal false (expecting 's')",
        ("false", _) => "in literal false (expecting 'e')",
        ("null", b'u') => "in literal null (expecting 'u')",
        _ => "in literal null (expecting 'l')",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(s: &str) -> String {
        match scan(s.as_bytes(), Reader::Decoder) {
            Ok(end) => format!("ok {end}"),
            Err(GoJsonError::Syntax { message, offset }) => format!("{offset}: {message}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn errors_read_as_go_writes_them() {
        for (input, expected) in [
            (
                "{b",
                "2: invalid character 'b' looking for beginning of object key string",
            ),
            ("{\"a\" 1}", "6: invalid character '1' after object key"),
            (
                "{\"a\":1 \"b\"}",
                "8: invalid character '\"' after object key:value pair",
            ),
            ("[1 2]", "4: invalid character '2' after array element"),
            (
                "{\"a\":01}",
                "7: invalid character '1' after object key:value pair",
            ),
            (
                "{\"a\":tru}",
                "9: invalid character '}' in literal true (expecting 'e')",
            ),
            (
                "{\"a\":\"\\x\"}",
                "8: invalid character 'x' in string escape code",
            ),
            (
                "{\"a\":\"\t\"}",
                "7: invalid character '\\t' in string literal",
            ),
            (
                "{\"a\":1.}",
                "8: invalid character '}' after decimal point in numeric literal",
            ),
            ("{\"a\":-}", "7: invalid character '}' in numeric literal"),
            (
                "'a'",
                "1: invalid character '\\'' looking for beginning of value",
            ),
            ("{\"a\":1", "unexpected EOF"),
            ("  ", "EOF"),
            ("", "EOF"),
            ("{} trailing", "ok 2"),
            ("12 ", "ok 2"),
            ("12", "ok 2"),
            ("[]", "ok 2"),
            ("\"s\"x", "ok 3"),
        ] {
            assert_eq!(decode(input), expected, "{input}");
        }
        assert_eq!(
            scan(b"{} x", Reader::Unmarshal),
            Err(GoJsonError::Syntax {
                message: "invalid character 'x' after top-level value".into(),
                offset: 4
            })
        );
        assert_eq!(
            scan(b"", Reader::Unmarshal),
            Err(GoJsonError::UnexpectedEndOfInput)
        );
        assert_eq!(scan(b" {} ", Reader::Unmarshal), Ok(3));
    }
}
