//! Pictures for the demo: the seed page gives photo captions, not photos. Each caption gets a
//! drawn scene (a meeting hall: a red backdrop with lines of lettering, a lectern, rows of
//! people), its colours taken from the caption, so the same caption always gives the same
//! bytes (and, content-addressed, the same file).

use image::{Rgb, RgbImage};
use sha2::{Digest, Sha256};

/// A JPEG of `width` × `height` for `caption`.
pub fn picture(caption: &str, width: u32, height: u32) -> Vec<u8> {
    let seed = Sha256::digest(caption.as_bytes());
    let pick = |i: usize, lo: u8, span: u8| lo + seed[i] % span;
    let wall_top = Rgb([pick(0, 170, 60), pick(1, 170, 60), pick(2, 170, 60)]);
    let floor = Rgb([pick(3, 90, 50), pick(4, 60, 40), pick(5, 40, 40)]);
    let backdrop = Rgb([pick(6, 170, 50), pick(7, 10, 30), pick(8, 20, 30)]);
    let mut img = RgbImage::from_fn(width, height, |_, y| {
        let t = y as f32 / height as f32;
        if t < 0.62 {
            let k = 1.0 - t * 0.5;
            Rgb(wall_top.0.map(|c| (c as f32 * k) as u8))
        } else {
            floor
        }
    });
    let (w, h) = (width as i64, height as i64);
    // The backdrop, with lines of golden lettering.
    fill_rect(&mut img, w / 8, h / 12, w * 7 / 8, h * 5 / 12, backdrop);
    let gold = Rgb([240, 200, 60]);
    let lines = 2 + i64::from(seed[9] % 2);
    for line in 0..lines {
        let y = h / 12 + (line + 1) * (h / 3) / (lines + 1);
        let mut x = w / 5;
        let mut i = 10 + line as usize * 5;
        while x < w * 4 / 5 {
            let word = w / 40 + i64::from(seed[i % 32] % 6) * w / 120;
            fill_rect(
                &mut img,
                x,
                y - h / 60,
                (x + word).min(w * 4 / 5),
                y + h / 60,
                gold,
            );
            x += word + w / 60;
            i += 1;
        }
    }
    // A lectern and its speaker.
    let lectern = Rgb([120, 70, 40]);
    let (lx, ly) = (w / 6 + i64::from(seed[20] % 4) * w / 30, h * 9 / 20);
    disc(
        &mut img,
        lx + w / 30,
        ly - h / 28,
        h / 22,
        Rgb([40, 30, 30]),
    );
    fill_rect(&mut img, lx, ly, lx + w / 15, h * 13 / 20, lectern);
    // Rows of people, seen from behind.
    for row in 0..3 {
        let y = h * 7 / 10 + row * h / 10;
        let r = h / 26 + row * 3;
        let mut x = w / 20 + (row % 2) * r;
        let mut i = 21 + row as usize;
        while x < w {
            let hair = Rgb([20 + seed[i % 32] % 40, 20, 20]);
            let shirt = if seed[(i + 7) % 32] % 3 == 0 {
                Rgb([30, 90, 170])
            } else {
                Rgb([235, 235, 235])
            };
            fill_rect(&mut img, x - r, y + r / 2, x + r, h, shirt);
            disc(&mut img, x, y, r, hair);
            x += r * 2 + w / 80;
            i += 1;
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    // Encoding an in-memory RGB buffer cannot fail short of memory.
    let _ = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).encode_image(&img);
    out.into_inner()
}

fn fill_rect(img: &mut RgbImage, x0: i64, y0: i64, x1: i64, y1: i64, colour: Rgb<u8>) {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    for y in y0.max(0)..y1.min(h) {
        for x in x0.max(0)..x1.min(w) {
            img.put_pixel(x as u32, y as u32, colour);
        }
    }
}

fn disc(img: &mut RgbImage, cx: i64, cy: i64, r: i64, colour: Rgb<u8>) {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    for y in (cy - r).max(0)..(cy + r).min(h) {
        for x in (cx - r).max(0)..(cx + r).min(w) {
            if (x - cx).pow(2) + (y - cy).pow(2) <= r * r {
                img.put_pixel(x as u32, y as u32, colour);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_caption_always_draws_the_same_picture() {
        let a = super::picture("Toàn cảnh cuộc họp", 320, 200);
        assert_eq!(a, super::picture("Toàn cảnh cuộc họp", 320, 200));
        assert_ne!(a, super::picture("Đồng chí Bí thư phát biểu", 320, 200));
        let img = image::load_from_memory(&a).unwrap();
        assert_eq!((img.width(), img.height()), (320, 200));
    }
}
