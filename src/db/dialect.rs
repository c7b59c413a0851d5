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

/// How a missing timestamp's key ends, in each spelling.
const NO_TIME_SQLITE: &str = ", '')";
const NO_TIME_POSTGRES: &str = ", TIMESTAMP '0001-01-01 00:00:00')";

/// A month of a date, in SQLite's spelling (up to the date's expression and its `)`).
const MONTH_SQLITE: &str = "strftime('%Y-%m', ";

/// Every `strftime('%Y-%m', d)` of `sql` as `to_char(d, 'YYYY-MM')` (`d` a name, without
/// parentheses of its own).
fn months(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find(MONTH_SQLITE) {
        out.push_str(&rest[..at]);
        let after = &rest[at + MONTH_SQLITE.len()..];
        match after.find(')') {
            Some(end) => {
                out.push_str(&format!("to_char({}, 'YYYY-MM')", &after[..end]));
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[at..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Ends a correlated `EXISTS (SELECT …)` that each row of a walked index must probe (SQLite
/// does so anyway: a comment there). PostgreSQL turns an `EXISTS` under an `OR` into a hashed
/// subplan that reads the whole set first (a unit's ~6,000 partner rows at 1M, for the ~700
/// rows a page walks: 1.9 ms instead of 0.65), and a plain one into a join driven by the set
/// when it guesses the set small; an `OFFSET 0` keeps it a probe per row.
pub const PROBE_SQLITE: &str = " /* probe */";
const PROBE_POSTGRES: &str = " OFFSET 0";

/// Opens a set a page drives from: `col IN (/* drive */ SELECT …)`. SQLite reads such a set
/// first by itself; PostgreSQL hash-joins it and sorts (a unit's 6,000 rows: 28 ms), where
/// `col = ANY(ARRAY(SELECT …))` looks the ids up one by one from the array (14 ms).
pub const DRIVE_SQLITE: &str = " IN (/* drive */ ";

/// Every `col IN (/* drive */ subquery)` of `sql` as `col = ANY(ARRAY(subquery))`.
fn driving_sets(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 32);
    let mut rest = sql;
    while let Some(at) = rest.find(DRIVE_SQLITE) {
        out.push_str(&rest[..at]);
        let inner = &rest[at + DRIVE_SQLITE.len()..];
        // The `)` closing the set (its subquery holds no quoted parentheses).
        let mut depth = 0usize;
        let end = inner.char_indices().find_map(|(i, c)| match c {
            '(' => {
                depth += 1;
                None
            }
            ')' if depth == 0 => Some(i),
            ')' => {
                depth -= 1;
                None
            }
            _ => None,
        });
        match end {
            Some(end) => {
                out.push_str(" = ANY(ARRAY(");
                out.push_str(&inner[..end]);
                out.push_str("))");
                rest = &inner[end + 1..];
            }
            None => {
                out.push_str(&rest[at..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The rank of a search hit in SQLite's spelling, up to the table's name.
const RANK_SQLITE: &str = "coalesce(bm25(";
const RANK_SQLITE_END: &str = ", 4.0, 1.0), ?)";

/// The set of search hits a page drives from, in PostgreSQL's terms. SQLite's spelling says
/// which set drives by its hints: `+col IN (SELECT rowid FROM t WHERE t MATCH ?)` is probed
/// row by row while the sort index is walked (the hits are many); without the `+` the hits
/// are read first and sorted (they are few). PostgreSQL plans by its own estimate of a
/// `tsquery`'s hits, which for a prefix is a fixed guess (0.5 %), and walks the sort index
/// probing each row even when nothing matches. So the driving form becomes
/// `col = ANY(ARRAY(SELECT rowid FROM t WHERE …))`: the hits read once, from the GIN index,
/// then looked up by id.
fn driving_hits(sql: &str) -> String {
    const SET: &str = " IN (SELECT rowid FROM ";
    let mut out = String::with_capacity(sql.len() + 32);
    let mut rest = sql;
    while let Some(at) = rest.find(SET) {
        let head = &rest[..at];
        let after = &rest[at + SET.len()..];
        let table_end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let table = &after[..table_end];
        let tail = format!(" WHERE {table} MATCH ?)");
        let column_start = head
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .map_or(0, |i| i + 1);
        let hinted = head[..column_start].ends_with('+');
        if table.is_empty() || hinted || !after[table_end..].starts_with(&tail) {
            out.push_str(&rest[..at + SET.len()]);
            rest = after;
            continue;
        }
        out.push_str(head);
        out.push_str(&format!(
            " = ANY(ARRAY(SELECT rowid FROM {table} WHERE {table} MATCH ?))"
        ));
        rest = &after[table_end + tail.len()..];
    }
    out.push_str(rest);
    out
}

/// FTS5's `t MATCH ?` and rank (see [`Dialect::render`]) in PostgreSQL's spelling.
fn matches(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 64);
    let mut rest = sql;
    loop {
        let next_match = rest.find(" MATCH ?");
        let next_rank = rest.find(RANK_SQLITE);
        match (next_match, next_rank) {
            (Some(at), rank) if rank.is_none_or(|r| at < r) => {
                // The table's name ends the text before it.
                let head = &rest[..at];
                let start = head
                    .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .map_or(0, |i| i + 1);
                let table = &head[start..];
                out.push_str(&head[..start]);
                out.push_str(&format!("{table}.folded @@ CAST(? AS tsquery)"));
                rest = &rest[at + " MATCH ?".len()..];
            }
            (_, Some(at)) => {
                let after = &rest[at + RANK_SQLITE.len()..];
                match after.find(RANK_SQLITE_END) {
                    Some(end) => {
                        let table = &after[..end];
                        out.push_str(&rest[..at]);
                        out.push_str(&format!(
                            "CAST(-ts_rank({table}.exact || {table}.folded, CAST(? AS tsquery)) AS double precision)"
                        ));
                        rest = &after[end + RANK_SQLITE_END.len()..];
                    }
                    None => {
                        out.push_str(&rest[..at + RANK_SQLITE.len()]);
                        rest = after;
                    }
                }
            }
            _ => break,
        }
    }
    out.push_str(rest);
    out
}

/// The longest lexeme PostgreSQL stores (bytes), and the last position it counts.
const MAX_LEXEME_BYTES: usize = 2046;
const MAX_POSITION: usize = 16_383;

/// One word as a quoted lexeme of a `tsvector` or `tsquery` literal.
fn lexeme(word: &str) -> String {
    format!(
        "'{}'",
        truncated(word).replace('\\', "\\\\").replace('\'', "''")
    )
}

/// `word` cut to the longest lexeme PostgreSQL stores, on a character boundary.
fn truncated(word: &str) -> &str {
    let mut end = word.len().min(MAX_LEXEME_BYTES);
    while !word.is_char_boundary(end) {
        end -= 1;
    }
    &word[..end]
}

/// The most bytes of distinct lexemes one `tsvector` holds (PostgreSQL refuses a value past
/// 1 MiB of them: "string is too long for tsvector"), with room to spare.
const MAX_LEXEME_TOTAL: usize = 1_000_000;

/// A `tsvector` literal of the words of `folded` (text from [`crate::text`]: words split by
/// single spaces), each at its position, with `weight` (`A`…`D`) when given: PostgreSQL
/// indexes the very words the Rust code folded, with no parser or dictionary of its own. A
/// text of more distinct words than a `tsvector` holds (a 1 MiB body of made-up words) keeps
/// its first ones: its row is still written, and found by those.
pub fn tsvector(folded: &str, weight: Option<char>) -> String {
    let weight = weight.map(String::from).unwrap_or_default();
    let mut distinct = std::collections::HashSet::new();
    let mut total = 0usize;
    crate::text::words(folded)
        .iter()
        .enumerate()
        .filter(|(_, w)| {
            let w = truncated(w);
            if distinct.contains(w) {
                return true;
            }
            if total + w.len() > MAX_LEXEME_TOTAL {
                return false;
            }
            total += w.len();
            distinct.insert(w)
        })
        .map(|(i, w)| format!("{}:{}{weight}", lexeme(w), (i + 1).min(MAX_POSITION)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `tsquery` of a search expression written in the FTS5 subset the search module
/// writes: `col : "w"` a word, `"w" *` a prefix, `"a b"` a phrase, `col : ("a" OR "b")`,
/// `AND`, `OR` and parentheses. Columns are dropped: the SQL says which column it matches.
pub fn tsquery(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len() + 16);
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let mut text = String::new();
                while let Some(c) = chars.next() {
                    if c == '"' {
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            text.push('"');
                            continue;
                        }
                        break;
                    }
                    text.push(c);
                }
                let words: Vec<String> =
                    crate::text::words(&text).into_iter().map(lexeme).collect();
                // A prefix: `"w" *`.
                let mut look = chars.clone();
                while look.peek() == Some(&' ') {
                    look.next();
                }
                let prefix = look.peek() == Some(&'*');
                if prefix {
                    chars = look;
                    chars.next();
                }
                match words.len() {
                    0 => out.push_str("''"),
                    1 => out.push_str(&words[0]),
                    _ => {
                        out.push('(');
                        out.push_str(&words.join(" <-> "));
                        out.push(')');
                    }
                }
                if prefix {
                    out.push_str(":*");
                }
            }
            '(' | ')' => out.push(c),
            c if c.is_ascii_alphabetic() => {
                let mut word = String::from(c);
                while let Some(&n) = chars
                    .peek()
                    .filter(|n| n.is_ascii_alphanumeric() || **n == '_')
                {
                    word.push(n);
                    chars.next();
                }
                match word.as_str() {
                    "AND" => out.push_str(" & "),
                    "OR" => out.push_str(" | "),
                    "NOT" => out.push_str(" & !"),
                    // A column name: its `:` follows.
                    _ => {
                        while chars.peek() == Some(&' ') {
                            chars.next();
                        }
                        if chars.peek() == Some(&':') {
                            chars.next();
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// SQLite's spellings [`Dialect::render`] rewrites for PostgreSQL (besides placeholders and
/// `+` hints, handled as it reads the statement).
const REWRITTEN: &[&str] = &[
    PROBE_SQLITE,
    DRIVE_SQLITE,
    " MATCH ?",
    RANK_SQLITE,
    NO_TIME_SQLITE,
    "group_concat(",
    "instr(",
    MONTH_SQLITE,
];

impl Dialect {
    pub fn of(conn: &Conn) -> Self {
        match conn {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Pg(_) => Dialect::Postgres,
        }
    }

    /// `sql`, written in SQLite's spelling, in this engine's: unchanged on SQLite. On
    /// PostgreSQL
    /// - each `?N` becomes `$N` and each bare `?` the number SQLite gives it (one more than the
    ///   largest number given so far), so the binds keep their order;
    /// - a unary `+` before a name (`+a.category`: SQLite's way of keeping an index out of a
    ///   plan) is dropped — PostgreSQL plans by its statistics and has no `+` for text;
    /// - `t MATCH ?` (FTS5) is `t.folded @@ CAST(? AS tsquery)`, and the rank
    ///   `coalesce(bm25(t, 4.0, 1.0), ?)` (lower is better; the `?` is the ranked query, which
    ///   SQLite does not read) is minus `ts_rank` over both columns, the exact words weighing
    ///   more (their lexemes carry weight A: [`tsvector`]);
    /// - `coalesce(ts, '')`, the key that sorts a row without a timestamp first, compares with
    ///   the first timestamp instead of SQLite's empty text (`list::NO_TIME`);
    /// - `group_concat(text, sep)` is `string_agg(text, sep)`, `instr(h, n)` `strpos(h, n)`;
    /// - `strftime('%Y-%m', d)` (a month, `2024-11`) is `to_char(d, 'YYYY-MM')`.
    ///
    /// Text in quotes (strings, quoted names) is left as it is.
    pub fn render(self, sql: &str) -> Cow<'_, str> {
        if self == Dialect::Sqlite {
            return Cow::Borrowed(sql);
        }
        let rewritten = REWRITTEN.iter().any(|spelling| sql.contains(spelling));
        if !rewritten && !sql.contains(['?', '+']) {
            return Cow::Borrowed(sql);
        }
        let joined;
        let sql = if rewritten {
            joined = matches(&driving_hits(&driving_sets(&months(
                &sql.replace(NO_TIME_SQLITE, NO_TIME_POSTGRES)
                    .replace(PROBE_SQLITE, PROBE_POSTGRES)
                    .replace("group_concat(", "string_agg(")
                    .replace("instr(", "strpos("),
            ))));
            joined.as_str()
        } else {
            sql
        };
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
                (None, '+')
                    if out
                        .chars()
                        .last()
                        .is_none_or(|p| matches!(p, ' ' | '(' | ',' | '\n'))
                        && chars
                            .peek()
                            .is_some_and(|n| n.is_ascii_alphabetic() || *n == '_') =>
                {
                    continue;
                }
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
        assert_eq!(Sqlite.render(sql), sql);
    }

    #[test]
    fn postgres_numbers_them_as_sqlite_would() {
        assert_eq!(
            Postgres.render("SELECT a FROM t WHERE b = ? AND c IN (?, ?)"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)"
        );
        // Numbered ones keep their number; a bare one after them takes the next.
        assert_eq!(
            Postgres.render("SELECT ?1 UNION ALL SELECT ?1 WHERE x = ?2 AND y = ?"),
            "SELECT $1 UNION ALL SELECT $1 WHERE x = $2 AND y = $3"
        );
        assert_eq!(Postgres.render("x = ?10 OR y = ?"), "x = $10 OR y = $11");
    }

    #[test]
    fn a_probe_stays_a_probe_on_postgres() {
        let sql = format!(
            "a.x = 1 OR EXISTS (SELECT 1 FROM p WHERE p.a = a.id AND p.o IN (?){})",
            super::PROBE_SQLITE
        );
        assert_eq!(Sqlite.render(&sql), sql);
        assert_eq!(
            Postgres.render(&sql),
            "a.x = 1 OR EXISTS (SELECT 1 FROM p WHERE p.a = a.id AND p.o IN ($1) OFFSET 0)"
        );
    }

    #[test]
    fn a_driving_set_is_an_array_on_postgres() {
        let sql = format!(
            "a.s = ? AND a.id{}SELECT id FROM x WHERE o IN (?, ?) UNION ALL SELECT y FROM z) ORDER BY a.id",
            super::DRIVE_SQLITE
        );
        assert_eq!(Sqlite.render(&sql), sql);
        assert_eq!(
            Postgres.render(&sql),
            "a.s = $1 AND a.id = ANY(ARRAY(SELECT id FROM x WHERE o IN ($2, $3) UNION ALL SELECT y FROM z)) ORDER BY a.id"
        );
    }

    #[test]
    fn searches_read_as_tsqueries() {
        use super::tsquery;
        assert_eq!(
            tsquery("folded : \"thanh\" AND folded : \"nien\" *"),
            "'thanh' & 'nien':*"
        );
        assert_eq!(
            tsquery("(folded : \"thanh\" AND folded : (\"nien\")) OR (exact : \"thanh\" AND exact : (\"niên\" OR \"niênx\"))"),
            "('thanh' & ('nien')) | ('thanh' & ('niên' | 'niênx'))"
        );
        assert_eq!(
            tsquery("folded : \"vu lang\" AND folded : \"xa\" *"),
            "('vu' <-> 'lang') & 'xa':*"
        );
        assert_eq!(tsquery("folded : \"it's\""), "'it''s'");
    }

    #[test]
    fn hits_that_drive_are_read_first_on_postgres() {
        let hinted = "+a.id IN (SELECT rowid FROM activities_fts WHERE activities_fts MATCH ?)";
        assert_eq!(
            Postgres.render(&format!("WHERE a.state = ? AND {hinted}")),
            "WHERE a.state = $1 AND a.id IN (SELECT rowid FROM activities_fts WHERE activities_fts.folded @@ CAST($2 AS tsquery))"
        );
        assert_eq!(
            Postgres.render("WHERE +a.state = ? AND a.id IN (SELECT rowid FROM activities_fts WHERE activities_fts MATCH ?)"),
            "WHERE a.state = $1 AND a.id = ANY(ARRAY(SELECT rowid FROM activities_fts WHERE activities_fts.folded @@ CAST($2 AS tsquery)))"
        );
        // Other sets are left as they are.
        let other = "a.id IN (SELECT rowid FROM activities_fts WHERE x = ?)";
        assert_eq!(
            Postgres.render(other),
            "a.id IN (SELECT rowid FROM activities_fts WHERE x = $1)"
        );
    }

    #[test]
    fn words_become_a_tsvector_as_they_are() {
        use super::tsvector;
        assert_eq!(
            tsvector("thanh nien 20 9", None),
            "'thanh':1 'nien':2 '20':3 '9':4"
        );
        assert_eq!(tsvector("niên", Some('A')), "'niên':1A");
        assert_eq!(tsvector("", None), "");
        // More distinct words than a tsvector holds: the first ones, repeats kept.
        let many: Vec<String> = (0..200_000).map(|i| format!("w{i}")).collect();
        let text = format!("{} w1", many.join(" "));
        let v = tsvector(&text, None);
        let lexemes: std::collections::HashSet<&str> = v
            .split(' ')
            .map(|e| e.rsplit_once(':').unwrap().0)
            .collect();
        let bytes: usize = lexemes.iter().map(|l| l.len() - 2).sum();
        assert!(bytes <= super::MAX_LEXEME_TOTAL, "{bytes}");
        assert!(lexemes.contains("'w0'") && !lexemes.contains("'w199999'"));
        assert!(
            v.ends_with("'w1':16383"),
            "a repeat of a kept word is kept (at the last position)"
        );
    }

    #[test]
    fn postgres_has_no_planner_hints() {
        assert_eq!(
            Postgres.render("WHERE +a.category IN (?) AND (+o.kind = ?) AND n + 1 > x+1"),
            "WHERE a.category IN ($1) AND (o.kind = $2) AND n + 1 > x+1"
        );
        assert_eq!(
            Postgres.render("SELECT rowid AS id, coalesce(bm25(activities_fts, 4.0, 1.0), ?) AS rank FROM activities_fts WHERE activities_fts MATCH ? AND rowid >= ?"),
            "SELECT rowid AS id, CAST(-ts_rank(activities_fts.exact || activities_fts.folded, CAST($1 AS tsquery)) AS double precision) AS rank \
             FROM activities_fts WHERE activities_fts.folded @@ CAST($2 AS tsquery) AND rowid >= $3"
        );
        assert_eq!(Postgres.render("SELECT '+a'"), "SELECT '+a'");
        assert_eq!(
            Postgres.render(
                "SELECT strftime('%Y-%m', a.occurred_on), group_concat(name, ', ') FROM (x) AS y"
            ),
            "SELECT to_char(a.occurred_on, 'YYYY-MM'), string_agg(name, ', ') FROM (x) AS y"
        );
    }

    #[test]
    fn quoted_question_marks_are_text() {
        assert_eq!(
            Postgres.render("SELECT 'why?', \"odd?name\", 'it''s ?' FROM t WHERE a = ?"),
            "SELECT 'why?', \"odd?name\", 'it''s ?' FROM t WHERE a = $1"
        );
        assert_eq!(Postgres.render("SELECT 1"), "SELECT 1");
    }
}
