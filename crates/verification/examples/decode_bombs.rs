//! Writes small files that decode to very large pictures, for bench/abuse.sh:
//! `cargo run --release -p verification --example decode_bombs -- OUT_DIR`.

#[path = "../tests/common/bombs.rs"]
mod bombs;

use std::path::Path;

fn main() -> std::io::Result<()> {
    let out = std::env::args()
        .nth(1)
        .expect("usage: decode_bombs OUT_DIR");
    let out = Path::new(&out);
    std::fs::create_dir_all(out)?;
    std::fs::write(
        out.join("png16-7000x7000.png"),
        bombs::png_rgba16(7000, 7000),
    )?;
    std::fs::write(
        out.join("webp-16383x3051.webp"),
        bombs::webp_rgba(16383, 3051),
    )?;
    std::fs::write(
        out.join("progressive-7000x7000.jpg"),
        bombs::jpeg(7000, 7000, true, false),
    )?;
    std::fs::write(
        out.join("baseline-8000x6000.jpg"),
        bombs::jpeg(8000, 6000, false, false),
    )?;
    Ok(())
}
