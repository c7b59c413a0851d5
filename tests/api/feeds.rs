//! Feeds (RSS, Atom, JSON Feed) over HTTP, parsed by an independent parser.
