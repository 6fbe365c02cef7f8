//! The tracking methods, as CONFIG.METHOD encodes them.

use crate::map::{METHOD_BITMAP, METHOD_CLEAR, METHOD_CURSOR, METHOD_NAIVE};

/// The tracking method, as latched from CONFIG.METHOD.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Naive,
    Cursor,
    Bitmap,
    Clear,
}

impl Method {
    pub const ALL: [Method; 4] = [Method::Naive, Method::Cursor, Method::Bitmap, Method::Clear];

    pub fn code(self) -> u32 {
        match self {
            Method::Naive => METHOD_NAIVE,
            Method::Cursor => METHOD_CURSOR,
            Method::Bitmap => METHOD_BITMAP,
            Method::Clear => METHOD_CLEAR,
        }
    }

    pub fn from_code(code: u32) -> Method {
        match code & 3 {
            METHOD_NAIVE => Method::Naive,
            METHOD_CURSOR => Method::Cursor,
            METHOD_BITMAP => Method::Bitmap,
            _ => Method::Clear,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Method::Naive => "naive",
            Method::Cursor => "cursor",
            Method::Bitmap => "bitmap",
            Method::Clear => "clear",
        }
    }

    pub fn parse(s: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.name() == s)
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
