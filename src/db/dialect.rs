//! What the two engines spell differently, rendered in one place for the statements written
//! once in SQLite's spelling.

use std::borrow::Cow;

use super::Conn;

/// The engine a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn of(conn: &Conn) -> Self {
        match conn {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Pg(_) => Dialect::Postgres,
        }
    }

    /// `sql`, written with SQLite's placeholders, with this engine's: unchanged on SQLite; on
    /// PostgreSQL each `?N` becomes `$N` and each bare `?` the number SQLite gives it (one more
    /// than the largest number given so far), so the binds keep their order. Text in quotes
    /// (strings, quoted names) is left as it is.
    pub fn placeholders(self, sql: &str) -> Cow<'_, str> {
        if self == Dialect::Sqlite || !sql.contains('?') {
            return Cow::Borrowed(sql);
        }
        let mut out = String::with_capacity(sql.len() + 8);
        let mut largest = 0u32;
        let mut quote: Option<char> = None;
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            match (quote, c) {
                // A doubled quote inside quotes is the quote itself: leaving and entering
                // again at once keeps the state right.
                (Some(q), _) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '?') => {
                    let mut digits = String::new();
                    while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                        digits.push(*d);
                        chars.next();
                    }
                    let n = match digits.parse::<u32>() {
                        Ok(n) => n,
                        Err(_) => largest + 1,
                    };
                    largest = largest.max(n);
                    out.push('$');
                    out.push_str(&n.to_string());
                    continue;
                }
                (None, _) => {}
            }
            out.push(c);
        }
        Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::Dialect::{Postgres, Sqlite};

    #[test]
    fn sqlite_keeps_its_own_spelling() {
        let sql = "SELECT a FROM t WHERE b = ? AND c = ?2";
        assert_eq!(Sqlite.placeholders(sql), sql);
    }

    #[test]
    fn postgres_numbers_them_as_sqlite_would() {
        assert_eq!(
            Postgres.placeholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?)"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)"
        );
        // Numbered ones keep their number; a bare one after them takes the next.
        assert_eq!(
            Postgres.placeholders("SELECT ?1 UNION ALL SELECT ?1 WHERE x = ?2 AND y = ?"),
            "SELECT $1 UNION ALL SELECT $1 WHERE x = $2 AND y = $3"
        );
        assert_eq!(
            Postgres.placeholders("x = ?10 OR y = ?"),
            "x = $10 OR y = $11"
        );
    }

    #[test]
    fn quoted_question_marks_are_text() {
        assert_eq!(
            Postgres.placeholders("SELECT 'why?', \"odd?name\", 'it''s ?' FROM t WHERE a = ?"),
            "SELECT 'why?', \"odd?name\", 'it''s ?' FROM t WHERE a = $1"
        );
        assert_eq!(Postgres.placeholders("SELECT 1"), "SELECT 1");
    }
}
