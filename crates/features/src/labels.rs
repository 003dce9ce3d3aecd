//! labels (owned by helper F2; placeholder until filled in).
