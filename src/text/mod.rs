//! Vietnamese text handling: normalisation, tone-mark placement, search folding, slugs and sort keys.
//!
//! Every function is pure and total: any input (emoji, CJK, control characters, stray combining
//! marks, empty strings) is accepted without panicking. All functions are insensitive to NFC/NFD
//! input form.
//!
//! Over 600 lines with a reason: about 480 of code (one concern, the folding tables shared by
//! every function), the rest the unit tests that compare each fast path with its reference.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Tone marks in CLDR `vi` secondary order: grave, hook above, tilde, acute, dot below.
const TONES: [char; 5] = ['\u{300}', '\u{309}', '\u{303}', '\u{301}', '\u{323}'];
/// Vietnamese alphabet in collation order, with f j w z inserted in Latin order.
const ALPHABET: &str = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz";
const VOWELS: &str = "aăâeêioôơuưy";
const MARKED_VOWELS: &str = "ăâêôơư";
/// Maximum length of a slug, in bytes (slugs are ASCII).
const MAX_SLUG: usize = 100;

/// Trim (white space and the invisible characters of [`is_invisible`]), NFC-normalise; text
/// with nothing visible in it (only such characters and combining marks without a letter to
/// sit on) becomes empty. Used on every stored string.
pub fn clean(s: &str) -> String {
    let trimmed = s.trim_matches(|c: char| c.is_whitespace() || is_invisible(c));
    if trimmed
        .chars()
        .all(|c| c.is_whitespace() || is_invisible(c) || is_combining_mark(c))
    {
        return String::new();
    }
    trimmed.nfc().collect()
}

/// Characters that take no space and show nothing: zero-width spaces and joiners, bidi
/// controls, word joiners and invisible operators, the byte-order mark, soft hyphen, variation
/// selectors, Hangul fillers, tags. Allowed inside text (a ZWJ joins emoji), but text made
/// only of them is empty.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// Characters XML 1.0 forbids (C0 controls but tab, line feed and carriage return; U+FFFE and
/// U+FFFF): refused on input, since every text may end up in an RSS or Atom feed.
pub fn is_xml_forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// clean() for optional strings: trimmed empty -> None.
pub fn clean_opt(s: Option<&str>) -> Option<String> {
    s.map(clean).filter(|s| !s.is_empty())
}

/// Canonical tone-mark placement, so that old and new placements compare equal. Output is NFC,
/// case is kept.
///
/// The canonical form is the popular one: "hòa", "hóa", "thủy", "khỏe", "ủy". Per syllable (a run
/// of Vietnamese letters with exactly one tone mark; anything else is left as is), after skipping
/// the initial consonants (including the `qu` and `gi` clusters):
/// 1. a vowel with a vowel mark (ă â ê ô ơ ư) carries the tone (the last one for "ươ");
/// 2. otherwise, with a final consonant, the last vowel ("hoàn", "huỳnh");
/// 3. otherwise (open syllable) the only vowel, the first of two ("hòa", "thủy", "mùa") or the
///    middle of three ("ngoài", "khuỷu").
pub fn canonical_tones(s: &str) -> String {
    let (nfd, clusters) = retoned(s);
    let mut out = String::with_capacity(nfd.len() + 4);
    for cluster in &clusters {
        cluster.render(&nfd, &mut out);
    }
    out.nfc().collect()
}

/// Search folding: NFC/NFD-insensitive, lower case, all combining marks stripped (tones and vowel
/// marks), đ/Đ -> d. Runs of non-alphanumeric chars become a single space; the result is trimmed.
/// "Đoàn Thanh niên" -> "doan thanh nien".
pub fn fold(s: &str) -> String {
    // Fast path: one table lookup per precomposed Latin letter, no decomposition of the whole
    // text (search indexing folds every body). Combining marks (NFD input) are simply dropped.
    let table = fold_table();
    let mut chars = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            chars.push(c.to_ascii_lowercase());
        } else if let Some(&folded) = fold_index(c)
            .and_then(|i| table.get(i))
            .filter(|&&f| f != '\u{FFFF}')
        {
            if folded != '\0' {
                chars.push(folded);
            }
        } else if !is_combining_mark(c) {
            chars.extend(fold_slow(c));
        }
    }
    collapse(chars.chars())
}

/// The reference folding of one character: lower case, decompose, drop marks, đ → d.
fn fold_slow(c: char) -> impl Iterator<Item = char> {
    c.to_lowercase()
        .nfd()
        .filter(|&c| !is_combining_mark(c))
        .map(|c| if c == 'đ' { 'd' } else { c })
}

/// Latin-1 Supplement to Latin Extended-B, and Latin Extended Additional (Vietnamese).
const FOLD_RANGES: [(u32, u32); 2] = [(0x00C0, 0x024F), (0x1E00, 0x1EFF)];

fn fold_index(c: char) -> Option<usize> {
    let code = c as u32;
    let mut offset = 0;
    for (lo, hi) in FOLD_RANGES {
        if (lo..=hi).contains(&code) {
            return Some(offset + (code - lo) as usize);
        }
        offset += (hi - lo + 1) as usize;
    }
    None
}

/// `fold_slow` of every character in `FOLD_RANGES` that folds to exactly one character
/// (`'\0'` where it folds to nothing; characters folding to several are not in the table).
fn fold_table() -> &'static [char] {
    static TABLE: std::sync::OnceLock<Vec<char>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = Vec::new();
        for (lo, hi) in FOLD_RANGES {
            for code in lo..=hi {
                let folded: Vec<char> = char::from_u32(code)
                    .map(|c| fold_slow(c).collect())
                    .unwrap_or_default();
                table.push(match folded.as_slice() {
                    [] => '\0',
                    [one] => *one,
                    // Several characters: not representable; use the slow path via a miss.
                    _ => '\u{FFFF}',
                });
            }
        }
        table
    })
}

/// Lower case + canonical_tones + NFC with diacritics kept; punctuation -> space, collapsed (the
/// "exact" search column). "Đoàn  Thanh niên!" -> "đoàn thanh niên"; "hoà" and "hòa" agree.
pub fn fold_keep_marks(s: &str) -> String {
    // Word by word (tone placement is a property of a word), with a per-thread cache: texts
    // reuse a small vocabulary, and re-toning is the costly part of indexing.
    thread_local! {
        static CACHE: std::cell::RefCell<std::collections::HashMap<String, String>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    let lower = s.to_lowercase();
    // NFC input (the common case: everything stored is NFC) needs no recomposition.
    let lower: String = match unicode_normalization::is_nfc_quick(lower.chars()) {
        unicode_normalization::IsNormalized::Yes => lower,
        _ => lower.nfc().collect(),
    };
    let mut out = String::with_capacity(lower.len());
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() > 100_000 {
            cache.clear();
        }
        for word in lower.split(|c: char| !(c.is_alphanumeric() || is_combining_mark(c))) {
            if word.is_empty() || !word.chars().next().is_some_and(char::is_alphanumeric) {
                continue;
            }
            if !cache.contains_key(word) {
                let done: String = collapse(canonical_tones(word).chars()).nfc().collect();
                cache.insert(word.to_string(), done);
            }
            let canonical = &cache[word];
            if canonical.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(canonical);
        }
    });
    out
}

/// Split a folded text into words (whitespace split). Convenience.
pub fn words(folded: &str) -> Vec<&str> {
    folded.split_whitespace().collect()
}

/// ASCII slug: fold, then words joined by '-', only `[a-z0-9-]` (non-ASCII letters of other scripts
/// act as word separators), at most 100 chars, cut at a word boundary when possible, never ending
/// with '-'. Empty input -> "". "Đêm hội Trăng rằm" -> "dem-hoi-trang-ram".
pub fn slugify(s: &str) -> String {
    let folded = fold(s);
    let mut slug = String::new();
    for word in folded.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        let sep = usize::from(!slug.is_empty());
        if slug.len() + sep + word.len() > MAX_SLUG {
            if slug.is_empty() {
                slug.push_str(&word[..MAX_SLUG]); // ASCII: byte cut is a char cut
            }
            break;
        }
        if sep == 1 {
            slug.push('-');
        }
        slug.push_str(word);
    }
    slug
}

/// [`is_valid_slug`] as a regular expression (the spec's `pattern` of every slug; ECMA-262 and
/// every common dialect, no look-around): several parts joined by `-`, or one part with a
/// letter — so never all digits. A unit test checks both agree.
pub const SLUG_PATTERN: &str = "^(?:[a-z0-9]+(?:-[a-z0-9]+)+|[0-9]*[a-z][a-z0-9]*)$";

/// What [`is_valid_slug`] asks, as a field error says it.
pub const SLUG_RULE: &str =
    "must match ^[a-z0-9]+(-[a-z0-9]+)*$, be at most 100 characters and not all digits";

/// Valid explicit slug: `^[a-z0-9]+(-[a-z0-9]+)*$`, len <= 100, not made only of digits.
pub fn is_valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SLUG
        && !s.bytes().all(|b| b.is_ascii_digit())
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Deduplicate: return `base` if not taken, else the first free of `base-2`, `base-3`, ... An empty
/// base becomes "item", an all-digit base "n-<base>", so the result is never all digits. The base
/// is shortened when needed so that a suffixed slug stays within 100 chars.
pub fn unique_slug(base: &str, mut taken: impl FnMut(&str) -> bool) -> String {
    let base = if base.is_empty() {
        "item".to_owned()
    } else if base.bytes().all(|b| b.is_ascii_digit()) {
        format!("n-{base}")
    } else {
        base.to_owned()
    };
    if !taken(&base) {
        return base;
    }
    (2u64..)
        .map(|n| {
            let suffix = format!("-{n}");
            let mut stem = truncate(&base, MAX_SLUG.saturating_sub(suffix.len()));
            stem = stem.trim_end_matches('-');
            format!("{stem}{suffix}")
        })
        .find(|candidate| !taken(candidate))
        .unwrap_or(base)
}

/// Byte-comparable Vietnamese sort key (CLDR `vi` order), compared with memcmp.
///
/// Layout: primary weights, `0x00`, secondary weights, `0x00`, tertiary weights. The input is
/// first passed through [`canonical_tones`], so it is NFC/NFD- and tone-placement-insensitive.
/// * Primary, per letter/digit: `0x01` word separator (any run of non-alphanumeric characters
///   between words; leading/trailing ones are ignored), `0x02..=0x0B` digits 0-9, `0x10..=0x30`
///   the Vietnamese letters (a ă â b c d đ e ê f g ... x y z), and for any other
///   alphanumeric character `0xF0` followed by its lower-case code point as three bytes `0x80 | 7
///   bits` (fixed width, so the whole primary is a prefix-free code and memcmp order is weight
///   order). Diacritics that are not Vietnamese (e.g. ü) are ignored.
/// * Secondary, one byte per letter: 1 + tone (none, grave, hook, tilde, acute, dot below).
/// * Tertiary, one byte per letter: 1 lower case, 2 upper case.
pub fn sort_key(s: &str) -> Vec<u8> {
    let (mut key, mut secondary, mut tertiary) = (Vec::new(), Vec::new(), Vec::new());
    let mut gap = false;
    for Cluster { glyph: g, .. } in retoned(s).1 {
        if !g.base.is_alphanumeric() {
            gap = !key.is_empty();
            continue;
        }
        if gap {
            key.push(0x01);
            gap = false;
        }
        if g.base.is_ascii_digit() {
            key.push(0x02 + (g.base as u8 - b'0'));
        } else if let Some(i) = ALPHABET.chars().position(|c| c == g.base) {
            key.push(0x10 + i as u8);
        } else {
            let cp = u32::from(g.base);
            let byte = |shift: u32| 0x80 | ((cp >> shift) & 0x7F) as u8;
            key.extend([0xF0, byte(14), byte(7), byte(0)]);
        }
        secondary.push(1 + g.tone);
        tertiary.push(1 + u8::from(g.upper));
    }
    key.push(0);
    key.append(&mut secondary);
    key.push(0);
    key.append(&mut tertiary);
    key
}

/// One letter, split into its parts.
#[derive(Clone, Copy)]
struct Glyph {
    /// Lower-case starter, with its Vietnamese vowel mark composed in (e.g. 'ơ').
    base: char,
    upper: bool,
    /// 0 = none, else 1 + index in [`TONES`].
    tone: u8,
    /// A Vietnamese letter with nothing but one optional vowel mark and one optional tone.
    vietnamese: bool,
}

/// A starter character and the combining marks that follow it: a byte range of the NFD text.
struct Cluster {
    raw: std::ops::Range<usize>,
    glyph: Glyph,
}

impl Cluster {
    fn new(raw: std::ops::Range<usize>, nfd: &str) -> Self {
        let mut chars = nfd[raw.clone()].chars();
        let starter = chars.next().unwrap_or(' ');
        let mut base = starter.to_lowercase().next().unwrap_or(starter);
        let (mut tone, mut only_vietnamese_marks) = (0, true);
        for mark in chars {
            match (
                TONES.iter().position(|&t| t == mark),
                with_vowel_mark(base, mark),
            ) {
                (Some(i), _) if tone == 0 => tone = i as u8 + 1,
                (_, Some(marked)) => base = marked,
                _ => only_vietnamese_marks = false,
            }
        }
        let glyph = Glyph {
            base,
            upper: starter.is_uppercase(),
            tone,
            vietnamese: only_vietnamese_marks && ALPHABET.contains(base),
        };
        Cluster { raw, glyph }
    }

    /// Append the cluster, its tone mark where the glyph now has it, to `out`.
    fn render(&self, nfd: &str, out: &mut String) {
        let g = self.glyph;
        if !g.vietnamese {
            out.push_str(&nfd[self.raw.clone()]);
            return;
        }
        if g.upper {
            out.extend(g.base.to_uppercase());
        } else {
            out.push(g.base);
        }
        if g.tone > 0 {
            out.push(TONES[usize::from(g.tone - 1)]);
        }
    }
}

fn with_vowel_mark(base: char, mark: char) -> Option<char> {
    Some(match (base, mark) {
        ('a', '\u{306}') => 'ă',
        ('a', '\u{302}') => 'â',
        ('e', '\u{302}') => 'ê',
        ('o', '\u{302}') => 'ô',
        ('o', '\u{31B}') => 'ơ',
        ('u', '\u{31B}') => 'ư',
        _ => return None,
    })
}

/// Decompose (NFD), split into clusters and move each word's tone mark to its canonical vowel.
fn retoned(s: &str) -> (String, Vec<Cluster>) {
    let nfd: String = s.nfd().collect();
    let mut ranges: Vec<std::ops::Range<usize>> = Vec::with_capacity(nfd.len());
    for (i, c) in nfd.char_indices() {
        let end = i + c.len_utf8();
        match ranges.last_mut() {
            Some(last) if is_combining_mark(c) => last.end = end,
            _ => ranges.push(i..end),
        }
    }
    let mut clusters: Vec<Cluster> = ranges
        .into_iter()
        .map(|raw| Cluster::new(raw, &nfd))
        .collect();
    let mut rest = clusters.as_mut_slice();
    while !rest.is_empty() {
        let len = rest
            .iter()
            .take_while(|c| c.glyph.base.is_alphanumeric())
            .count();
        let (word, tail) = rest.split_at_mut(len.max(1));
        retone_word(word);
        rest = tail;
    }
    (nfd, clusters)
}

fn retone_word(word: &mut [Cluster]) {
    if !word.iter().all(|c| c.glyph.vietnamese) {
        return;
    }
    let mut toned = (0..word.len()).filter(|&i| word[i].glyph.tone != 0);
    let (Some(from), None) = (toned.next(), toned.next()) else {
        return;
    };
    let letters: Vec<char> = word.iter().map(|c| c.glyph.base).collect();
    if let Some(to) = tone_target(&letters).filter(|_| VOWELS.contains(letters[from])) {
        let tone = std::mem::take(&mut word[from].glyph.tone);
        word[to].glyph.tone = tone;
    }
}

/// Index of the vowel that carries the tone in a lower-case syllable, or None if the letters do not
/// form one syllable.
fn tone_target(letters: &[char]) -> Option<usize> {
    let is_vowel = |c: &char| VOWELS.contains(*c);
    let mut start = letters.iter().position(is_vowel)?;
    let cluster = matches!(letters[..start + 1], ['q', 'u'] | ['g', 'i']);
    if cluster && letters.get(start + 1).is_some_and(is_vowel) {
        start += 1;
    }
    let end = start + letters[start..].iter().take_while(|c| is_vowel(c)).count();
    if letters[end..].iter().any(is_vowel) {
        return None;
    }
    let vowels = &letters[start..end];
    let offset = if let Some(i) = vowels.iter().rposition(|c| MARKED_VOWELS.contains(*c)) {
        i
    } else if end < letters.len() {
        vowels.len() - 1
    } else {
        match vowels.len() {
            1 | 2 => 0,
            3 => 1,
            _ => return None,
        }
    };
    Some(start + offset)
}

/// Keep alphanumerics (and combining marks inside words); other runs become one space; trimmed.
fn collapse(chars: impl Iterator<Item = char>) -> String {
    let mut out = String::new();
    for c in chars {
        let in_word = !out.is_empty() && !out.ends_with(' ');
        if c.is_alphanumeric() || (in_word && is_combining_mark(c)) {
            out.push(c);
        } else if in_word {
            out.push(' ');
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// Longest prefix of `s` of at most `max` bytes ending on a char boundary.
fn truncate(s: &str, max: usize) -> &str {
    let end = (0..=max.min(s.len()))
        .rev()
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0);
    &s[..end]
}

/// Equal bytes, compared without an early exit (secrets: token keys, the metrics token).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod fast_path_tests {
    use super::*;

    /// The reference implementations the fast paths must agree with.
    fn fold_reference(s: &str) -> String {
        collapse(
            s.chars()
                .flat_map(char::to_lowercase)
                .nfd()
                .filter(|&c| !is_combining_mark(c))
                .map(|c| if c == 'đ' { 'd' } else { c }),
        )
    }

    fn keep_marks_reference(s: &str) -> String {
        collapse(canonical_tones(&s.to_lowercase()).chars())
            .nfc()
            .collect()
    }

    #[test]
    fn fast_folding_agrees_with_the_reference() {
        let mut samples: Vec<String> = crate::demo::SEED_TEXTS
            .iter()
            .map(|s| s.to_string())
            .collect();
        samples.push("ĐOÀN Thanh NIÊN hoà thuỷ khoẻ Hoà Bình Ǆ ǅ ǆ ß İ Ǳ ﬁ ẞ 日本 😀 a\u{0300} e\u{0302}\u{0301}".into());
        samples.push(
            (0x00C0u32..0x0250)
                .chain(0x1E00..0x1F00)
                .filter_map(char::from_u32)
                .collect(),
        );
        for s in &samples {
            assert_eq!(fold(s), fold_reference(s), "fold of {s}");
            let nfd: String = s.nfd().collect();
            assert_eq!(fold(&nfd), fold_reference(&nfd), "fold of NFD {s}");
            assert_eq!(
                fold_keep_marks(s),
                keep_marks_reference(s),
                "keep_marks of {s}"
            );
            assert_eq!(
                fold_keep_marks(&nfd),
                keep_marks_reference(&nfd),
                "keep_marks of NFD {s}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nfd(s: &str) -> String {
        s.nfd().collect()
    }

    const NAMES: [&str; 6] = [
        "Đoàn Thanh niên Cộng sản Hồ Chí Minh",
        "Chi đoàn Sở Giao thông vận tải",
        "Nguyễn Thị Thủy",
        "Trường THPT Việt Bắc, Lạng Sơn",
        "Hoà Bình",
        "Xã Mẫu Sơn, huyện Lộc Bình",
    ];

    #[test]
    fn invisible_text_is_empty_and_invisible_edges_are_trimmed() {
        for blank in [
            "\u{200B}",
            "\u{FEFF}\u{202E}",
            "\u{2060} \u{00A0}",
            "\u{0301}",
            " \u{0323}\u{200D} ",
        ] {
            assert_eq!(clean(blank), "", "{blank:?}");
            assert_eq!(clean_opt(Some(blank)), None);
        }
        assert_eq!(clean("\u{200B}Hội nghị\u{FEFF}"), "Hội nghị");
        // Inside text they stay (a ZWJ joins an emoji sequence).
        assert_eq!(clean("a\u{200D}b"), "a\u{200D}b");
        assert!(is_xml_forbidden('\u{FFFF}') && is_xml_forbidden('\u{1}'));
        assert!(!is_xml_forbidden('\n') && !is_xml_forbidden('\t') && !is_xml_forbidden('ư'));
    }

    #[test]
    fn clean_trims_and_composes() {
        assert_eq!(clean("  Lạng Sơn \n"), "Lạng Sơn");
        assert_eq!(clean_opt(Some("   ")), None);
        assert_eq!(clean_opt(None), None);
        assert_eq!(clean_opt(Some(" Thủy ")), Some("Thủy".to_owned()));
        for name in NAMES {
            assert_eq!(clean(&nfd(name)), clean(name));
            assert_eq!(fold(&nfd(name)), fold(name));
            assert_eq!(fold_keep_marks(&nfd(name)), fold_keep_marks(name));
            assert_eq!(canonical_tones(&nfd(name)), canonical_tones(name));
            assert_eq!(sort_key(&nfd(name)), sort_key(name));
        }
    }

    #[test]
    fn folding() {
        assert_eq!(fold("Đoàn Thanh niên"), "doan thanh nien");
        assert_eq!(fold("ĐOÀN THANH NIÊN"), "doan thanh nien");
        assert_eq!(
            fold("Đoàn khối CCQ tỉnh Lạng Sơn"),
            "doan khoi ccq tinh lang son"
        );
        assert_eq!(fold("Tỉnh uỷ"), "tinh uy");
        assert_eq!(fold("Tỉnh ủy"), "tinh uy");
        assert_eq!(fold("Nông nghiệp & Phát triển"), "nong nghiep phat trien");
        assert_eq!(words("doan  thanh nien"), ["doan", "thanh", "nien"]);
    }

    #[test]
    fn folding_keeps_marks() {
        assert_eq!(fold_keep_marks("Đoàn  Thanh niên!"), "đoàn thanh niên");
        assert_eq!(fold_keep_marks("hoà"), fold_keep_marks("hòa"));
        assert_eq!(fold_keep_marks("Thuỷ"), fold_keep_marks("thủy"));
        assert_ne!(fold_keep_marks("dế"), fold_keep_marks("dê"));
    }

    #[test]
    fn tone_placement() {
        let cases = [
            ("hoà", "hòa"),
            ("hoá", "hóa"),
            ("thuỷ", "thủy"),
            ("khoẻ", "khỏe"),
            ("uỷ", "ủy"),
            ("Hoà Bình", "Hòa Bình"),
            ("HOÀ BÌNH", "HÒA BÌNH"),
            ("Tỉnh uỷ Lạng Sơn", "Tỉnh ủy Lạng Sơn"),
            ("ngoaì", "ngoài"),
        ];
        for (old, new) in cases {
            assert_eq!(canonical_tones(old), new, "{old}");
            assert_eq!(canonical_tones(&nfd(old)), new, "{old} (NFD)");
        }
        let stable = "hoàn nguyễn quý giữa thuở tuổi người Tuyên khuya huỳnh quốc gìn khuỷu mùa \
            Đoàn Thanh niên hòa thủy ủy NGUYỄN";
        for word in stable.split_whitespace() {
            assert_eq!(canonical_tones(word), word);
        }
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slugify("Chi đoàn Sở Giao thông vận tải"),
            "chi-doan-so-giao-thong-van-tai"
        );
        assert_eq!(
            slugify("Đoàn khối các cơ quan tỉnh Lạng Sơn"),
            "doan-khoi-cac-co-quan-tinh-lang-son"
        );
        assert_eq!(slugify("Đêm hội Trăng rằm"), "dem-hoi-trang-ram");
        assert_eq!(slugify("  "), "");
        assert_eq!(slugify("Tết 2024 — 日本 😀!"), "tet-2024");
        let long = "Tuổi trẻ Lạng Sơn xung kích ".repeat(11);
        assert!(long.chars().count() >= 300);
        let slug = slugify(&long);
        assert!(slug.len() <= 100 && !slug.ends_with('-') && is_valid_slug(&slug));
        assert_eq!(slugify(&"a".repeat(300)).len(), 100);
    }

    #[test]
    fn slug_validation_and_dedup() {
        assert!(is_valid_slug("abc-1"));
        for bad in ["Abc", "a--b", "-a", "a-", "123", "", "đoàn"] {
            assert!(!is_valid_slug(bad), "{bad}");
        }
        assert!(is_valid_slug(&"a".repeat(100)));
        assert!(!is_valid_slug(&"a".repeat(101)));
        let taken = |s: &str| s == "chi-doan" || s == "chi-doan-2";
        assert_eq!(unique_slug("chi-doan", taken), "chi-doan-3");
        assert_eq!(unique_slug("chi-doan", |_| false), "chi-doan");
        let digits = unique_slug("2023", |_| false);
        assert!(is_valid_slug(&digits), "{digits}");
        assert_eq!(unique_slug("", |_| false), "item");
        let long = "a".repeat(100);
        let deduped = unique_slug(&long, |s| s == long);
        assert!(is_valid_slug(&deduped) && deduped.ends_with("-2"));
    }

    #[test]
    fn the_slug_pattern_is_the_slug_rule() {
        let pattern = regex::Regex::new(SLUG_PATTERN).unwrap();
        // Every string of up to 5 characters over an alphabet that reaches each case.
        let alphabet = ['a', 'z', '0', '9', '-', 'A', '_'];
        let mut words = vec![String::new()];
        let mut checked = 0;
        for _ in 0..5 {
            let mut longer = Vec::new();
            for w in &words {
                for c in alphabet {
                    let word = format!("{w}{c}");
                    // Up to 100 bytes, which the pattern leaves to maxLength.
                    assert_eq!(pattern.is_match(&word), is_valid_slug(&word), "{word:?}");
                    checked += 1;
                    longer.push(word);
                }
            }
            words = longer;
        }
        assert!(checked > 19_000);
        for s in ["2023", "2023-10", "n-2023", "a", "1a1", "cum-thi-dua-so-4"] {
            assert_eq!(pattern.is_match(s), is_valid_slug(s), "{s}");
        }
    }

    fn assert_sorted(names: &[&str]) {
        for pair in names.windows(2) {
            assert!(
                sort_key(pair[0]) < sort_key(pair[1]),
                "{} < {}",
                pair[0],
                pair[1]
            );
        }
    }

    #[test]
    fn sort_order() {
        let expected = [
            "An",
            "Ăn",
            "Âu",
            "Ba",
            "Chi đoàn Đài Phát thanh và Truyền hình Lạng Sơn",
            "Chi đoàn Sở Giao thông vận tải",
            "Chi đoàn Văn phòng UBND tỉnh",
            "Công đoàn cơ sở",
            "Cục",
            "Dân",
            "Đoàn xã Mẫu Sơn",
            "Zeta",
        ];
        let mut names = expected;
        names.reverse();
        names.swap(2, 7);
        names.sort_by_key(|s| sort_key(s));
        assert_eq!(names, expected);
        assert_sorted(&["Chi đoàn", "Chi đoàn Sở", "Chi đoànX"]);
        assert_sorted(&["ma", "mà", "mả", "mã", "má", "mạ"]);
        assert_sorted(&["ma", "mà", "mac"]);
        assert_sorted(&["an", "An"]);
        assert_sorted(&["o", "ô", "ơ", "p"]);
        assert_sorted(&["u", "ư", "v"]);
        assert_sorted(&["d", "đ", "e"]);
        assert_sorted(&["Dương", "Đà Lạt"]);
        assert_sorted(&["1", "10", "9", "a", "z", "Ωmega", "日本"]);
        assert_eq!(sort_key("Hoà Bình"), sort_key("Hòa Bình"));
        assert_eq!(sort_key("Tỉnh uỷ"), sort_key(&nfd("Tỉnh ủy")));
    }

    #[test]
    fn total_on_odd_input() {
        let odd = "| |\u{301}|a\u{301}\u{301}\u{300}|😀🇻🇳|日本語|\0\t\u{7f}|İstanbul|ǅ|ﬁ|Ｈà|-|q|gi|uuuuuá";
        for s in odd.split('|').chain(["\u{323}\u{302}a", "|"]) {
            let _ = (clean(s), fold(s), fold_keep_marks(s), is_valid_slug(s));
            assert_eq!(canonical_tones(&canonical_tones(s)), canonical_tones(s));
            let key = sort_key(s);
            assert_eq!(key.iter().filter(|&&b| b == 0).count(), 2, "{s:?}");
            assert!(!unique_slug(&slugify(s), |_| false).is_empty());
        }
    }
}
