//! Byte sizes as the geometry is given and reported: `4096`, `4KiB`, `1TiB`, `512B` (binary multiples; `K`, `M`,
//! `G`, `T` and `KB`.. are read as binary too, as storage tools do); a decimal fraction such as
//! `1.5GiB` is taken when it comes to whole bytes.

/// A size in bytes from its text, or what is wrong with the text.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(format!("size {text:?} is negative"));
    }
    let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (whole, rest) = t.split_at(digits(t));
    let (frac, unit) = match rest.strip_prefix('.') {
        Some(r) => r.split_at(digits(r)),
        None => ("", rest),
    };
    if whole.is_empty() && frac.is_empty() {
        return Err(format!("size {text:?} does not start with a number"));
    }
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        "p" | "pb" | "pib" => 50,
        other => {
            return Err(format!(
                "unknown size unit {other:?} in {text:?} (use B, KiB, MiB, GiB, TiB, PiB)"
            ))
        }
    };
    let overflow = || format!("size {text:?} overflows 64 bits");
    // Exact in u128: at most 19 fraction digits keep 10^len and the product in range.
    if frac.len() > 19 {
        return Err(format!("size {text:?} has more than 19 decimals"));
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| overflow())?
    };
    let scale = 10u128.pow(frac.len() as u32);
    let frac_bytes = frac.parse::<u128>().unwrap_or(0) << shift;
    if frac_bytes % scale != 0 {
        return Err(format!("size {text:?} is not a whole number of bytes"));
    }
    let bytes = whole
        .checked_shl(shift)
        .filter(|b| b >> shift == whole)
        .and_then(|b| b.checked_add(frac_bytes / scale))
        .ok_or_else(overflow)?;
    u64::try_from(bytes).map_err(|_| overflow())
}

/// `bytes` in the largest binary unit that divides it, for reports.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut i = 0;
    let mut v = bytes;
    while i + 1 < UNITS.len() && v >= 1024 && v % 1024 == 0 {
        v /= 1024;
        i += 1;
    }
    format!("{v} {}", UNITS[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert_eq!(parse_size("4KiB").unwrap(), 4096);
        assert_eq!(parse_size("1TiB").unwrap(), 1 << 40);
        assert_eq!(parse_size("16g").unwrap(), 16 << 30);
        assert!(parse_size("12XB").is_err());
        assert!(parse_size("KiB").is_err());
        assert!(parse_size("99999999PiB").is_err());
        assert_eq!(parse_size("1.5GiB").unwrap(), 3 << 29);
        assert_eq!(parse_size("0.5KiB").unwrap(), 512);
        assert_eq!(parse_size(".25MiB").unwrap(), 1 << 18);
        assert_eq!(parse_size("16383.5PiB").unwrap(), (32767 << 49));
        for (bad, why) in [
            ("-1", "is negative"),
            ("-4KiB", "is negative"),
            ("garbage", "does not start with a number"),
            ("", "does not start with a number"),
            (".KiB", "does not start with a number"),
            ("1.5B", "not a whole number of bytes"),
            ("0.1KiB", "not a whole number of bytes"),
            ("99999999TiB", "overflows 64 bits"),
            ("16384PiB", "overflows 64 bits"),
            ("99999999999999999999", "overflows 64 bits"),
            (
                "999999999999999999999999999999999999999999",
                "overflows 64 bits",
            ),
            ("1.2.3KiB", "unknown size unit"),
            ("4 KiB x", "unknown size unit"),
        ] {
            let err = parse_size(bad).unwrap_err();
            assert!(err.contains(why), "{bad:?}: {err}");
        }
        assert_eq!(format_size(1 << 40), "1 TiB");
        assert_eq!(format_size(1536), "1536 B");
    }
}
