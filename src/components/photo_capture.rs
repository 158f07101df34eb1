//! Turns a picked or freshly taken picture into the JPEG the phone keeps:
//! at most [`MAX_SIDE_PX`] on the long side, quality [`JPEG_QUALITY`]. A
//! 12-megapixel camera photo of 4–6 MB becomes roughly 200–400 kB, which a
//! prepaid plan and a 2G link can carry. The browser does the decoding and
//! encoding (`createImageBitmap` and a canvas), so no image crate is shipped.
//! The photo is never decoded at full size: only at the size it is kept.

use js_sys::{Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, CanvasRenderingContext2d, File, HtmlCanvasElement, HtmlImageElement, ImageBitmap,
    ImageBitmapOptions, ResizeQuality, Url,
};

pub const MAX_SIDE_PX: u32 = 1600;
pub const JPEG_QUALITY: f64 = 0.8;
pub const JPEG_MIME: &str = "image/jpeg";

/// A downscaled photo: the JPEG as a blob (for a thumbnail's object URL)
/// and as bytes (for hashing and IndexedDB).
pub struct Downscaled {
    pub blob: Blob,
    pub bytes: Vec<u8>,
}

/// The size to draw a `width`×`height` picture at so its long side is at
/// most `max_side`; smaller pictures keep their size.
pub fn scaled_size(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= max_side || longest == 0 {
        return (width, height);
    }
    let scale = f64::from(max_side) / f64::from(longest);
    let side = |n: u32| ((f64::from(n) * scale).round() as u32).clamp(1, max_side);
    (side(width), side(height))
}

/// Downscales `file` without ever holding the photo decoded at full size: a
/// 12-megapixel photo decoded whole is 48 MB, which a 1 GB phone may not
/// have to spare while the form is open.
///
/// The picture's size comes from an `<img>` that is loaded but never drawn
/// (Chrome reads the size, EXIF orientation applied, without decoding the
/// pixels). The picture is then decoded once, at about the kept size, and
/// drawn on a canvas of that size; the decoded picture is closed as soon as
/// it is drawn, and the canvas is emptied once the JPEG is encoded.
pub async fn downscale_to_jpeg(file: &File) -> Result<Downscaled, String> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let natural = natural_size(file).await?;
    let (width, height) = scaled_size(natural.0, natural.1, MAX_SIDE_PX);
    let canvas: HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| "no canvas".to_owned())?;
    canvas.set_width(width);
    canvas.set_height(height);
    // Not a `bitmaprenderer` canvas, which would take the bitmap over
    // without a copy: Chrome then encodes an EXIF-rotated photo on its
    // side. JPEG has no transparency; a transparent PNG would turn black
    // without a white background.
    let context: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(describe)?
        .ok_or("no 2d canvas")?
        .dyn_into()
        .map_err(|_| "no 2d canvas".to_owned())?;
    context.set_fill_style_str("#fff");
    context.fill_rect(0.0, 0.0, f64::from(width), f64::from(height));
    if !draw_with_image_decoder(&window, file, &context, natural, (width, height)).await {
        draw_with_image_bitmap(&window, file, &context, (width, height)).await?;
    }

    let encoded = Promise::new(&mut |resolve, reject| {
        let started = canvas.to_blob_with_type_and_encoder_options(
            &resolve,
            JPEG_MIME,
            &JsValue::from_f64(JPEG_QUALITY),
        );
        if let Err(error) = started {
            let _ = reject.call1(&JsValue::NULL, &error);
        }
    });
    let blob: Blob = JsFuture::from(encoded)
        .await
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| "the browser could not encode a JPEG".to_owned())?;
    // The canvas's pixels go now, not when the collector gets to them.
    canvas.set_width(0);
    canvas.set_height(0);
    let buffer = JsFuture::from(blob.array_buffer())
        .await
        .map_err(describe)?;
    let bytes = Uint8Array::new(&buffer).to_vec();
    Ok(Downscaled { blob, bytes })
}

#[wasm_bindgen]
extern "C" {
    /// WebCodecs' `ImageDecoder` (Chrome 94 and later) and what it gives,
    /// bound here because web-sys has them only behind its unstable APIs.
    type ImageDecoder;

    #[wasm_bindgen(constructor, catch)]
    fn new(init: &Object) -> Result<ImageDecoder, JsValue>;

    #[wasm_bindgen(method)]
    fn decode(this: &ImageDecoder) -> Promise;

    #[wasm_bindgen(method)]
    fn close(this: &ImageDecoder);

    /// What `ImageDecoder.decode()` resolves to.
    type ImageDecodeResult;

    #[wasm_bindgen(method, getter)]
    fn image(this: &ImageDecodeResult) -> VideoFrame;

    type VideoFrame;

    #[wasm_bindgen(method, catch, js_name = close)]
    fn close_frame(this: &VideoFrame) -> Result<(), JsValue>;

    /// The 2d context again, for the `drawImage` overload that takes a
    /// `VideoFrame`.
    #[wasm_bindgen(js_name = CanvasRenderingContext2D)]
    type FrameContext;

    #[wasm_bindgen(method, catch, js_name = drawImage)]
    fn draw_frame(
        this: &FrameContext,
        frame: &VideoFrame,
        x: f64,
        y: f64,
        width: f64,
        height: f64,
    ) -> Result<(), JsValue>;
}

/// Draws `file` scaled to `kept` with an `ImageDecoder` that decodes a JPEG
/// at a fraction of its size (libjpeg's scaled decoding, in eighths): a
/// 12-megapixel photo kept at 1600 px is decoded at 2000 px, a quarter of
/// the pixels, in about half the time of a whole decode. The frame carries
/// the EXIF orientation, which `drawImage` applies. False, with nothing
/// drawn, where the browser has no `ImageDecoder` or it cannot read the
/// file; the caller then decodes another way.
async fn draw_with_image_decoder(
    window: &web_sys::Window,
    file: &File,
    context: &CanvasRenderingContext2d,
    natural: (u32, u32),
    kept: (u32, u32),
) -> bool {
    if !Reflect::has(window, &"ImageDecoder".into()).unwrap_or(false) || file.type_().is_empty() {
        return false;
    }
    let init = Object::new();
    let set = |key: &str, value: &JsValue| Reflect::set(&init, &key.into(), value).is_ok();
    let mut ready = set("data", &file.stream()) && set("type", &file.type_().into());
    if let Some((width, height)) = decode_size(natural, kept) {
        ready &= set("desiredWidth", &width.into()) && set("desiredHeight", &height.into());
    }
    if !ready {
        return false;
    }
    let Ok(decoder) = ImageDecoder::new(&init) else {
        return false;
    };
    let drawn = match JsFuture::from(decoder.decode()).await {
        Ok(result) => {
            let frame = result.unchecked_into::<ImageDecodeResult>().image();
            let drawn = context
                .unchecked_ref::<FrameContext>()
                .draw_frame(&frame, 0.0, 0.0, f64::from(kept.0), f64::from(kept.1))
                .is_ok();
            // The decoded picture goes as soon as the canvas holds it.
            let _ = frame.close_frame();
            drawn
        }
        Err(_) => false,
    };
    decoder.close();
    drawn
}

/// The size to ask `ImageDecoder` for so that it decodes a `natural`-sized
/// JPEG at the smallest eighth that still covers `kept`: Chrome picks the
/// largest eighth whose area fits in the asked one. `None` when the picture
/// is decoded whole anyway.
pub fn decode_size(natural: (u32, u32), kept: (u32, u32)) -> Option<(u32, u32)> {
    let (natural_long, kept_long) = (natural.0.max(natural.1), kept.0.max(kept.1));
    if natural_long == 0 {
        return None;
    }
    let eighths = (8 * kept_long).div_ceil(natural_long).clamp(1, 8);
    // Two pixels more on each side keep rounding from choosing one eighth
    // less.
    (eighths < 8).then(|| {
        let side = |n: u32| (n * eighths).div_ceil(8) + 2;
        (side(natural.0), side(natural.1))
    })
}

/// Draws `file` scaled to `kept` through `createImageBitmap`, which decodes
/// straight to that size, where there is no `ImageDecoder`.
async fn draw_with_image_bitmap(
    window: &web_sys::Window,
    file: &File,
    context: &CanvasRenderingContext2d,
    kept: (u32, u32),
) -> Result<(), String> {
    let options = ImageBitmapOptions::new();
    options.set_resize_width(kept.0);
    options.set_resize_height(kept.1);
    options.set_resize_quality(ResizeQuality::High);
    let bitmap: ImageBitmap = JsFuture::from(
        window
            .create_image_bitmap_with_blob_and_image_bitmap_options(file, &options)
            .map_err(describe)?,
    )
    .await
    .map_err(describe)?
    .dyn_into()
    .map_err(|_| "not a picture".to_owned())?;
    let drawn = context.draw_image_with_image_bitmap(&bitmap, 0.0, 0.0);
    // The decoded bitmap goes as soon as the canvas holds its pixels.
    bitmap.close();
    drawn.map_err(describe)
}

/// The width and height `file` shows at, EXIF orientation applied, read by
/// an image element that loads the file but never paints it, so its pixels
/// are not decoded.
async fn natural_size(file: &File) -> Result<(u32, u32), String> {
    let url = Url::create_object_url_with_blob(file).map_err(describe)?;
    let image = HtmlImageElement::new().map_err(describe)?;
    let loaded = Promise::new(&mut |resolve, reject| {
        image.set_onload(Some(&resolve));
        image.set_onerror(Some(&reject));
    });
    image.set_src(&url);
    let outcome = JsFuture::from(loaded).await;
    image.set_onload(None);
    image.set_onerror(None);
    let _ = Url::revoke_object_url(&url);
    outcome.map_err(|_| "not a picture".to_owned())?;
    match (image.natural_width(), image.natural_height()) {
        (0, _) | (_, 0) => Err("not a picture".to_owned()),
        size => Ok(size),
    }
}

/// A JavaScript error as text for the user's error notice.
fn describe(error: JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_shrink_to_the_long_side_and_keep_their_shape() {
        assert_eq!(scaled_size(4000, 3000, 1600), (1600, 1200));
        assert_eq!(scaled_size(3000, 4000, 1600), (1200, 1600));
        assert_eq!(scaled_size(1600, 900, 1600), (1600, 900));
        assert_eq!(scaled_size(640, 480, 1600), (640, 480), "never enlarged");
        assert_eq!(scaled_size(10_000, 3, 1600), (1600, 1), "never zero");
    }

    #[test]
    fn photos_are_decoded_at_the_smallest_eighth_that_covers_the_kept_size() {
        fn check(natural: (u32, u32), kept: (u32, u32), expect: Option<(u32, u32)>) {
            assert_eq!(
                decode_size(natural, kept),
                expect,
                "{natural:?} kept at {kept:?}"
            );
        }
        // 12 MP at 1600 px: four eighths, 2000×1500.
        check((4000, 3000), (1600, 1200), Some((2002, 1502)));
        check((3000, 4000), (1200, 1600), Some((1502, 2002)));
        // 2400 px upright: six eighths, 1800; five would be 1500, short of 1600.
        check((1200, 2400), (800, 1600), Some((902, 1802)));
        // A 48 MP photo: two eighths, 2000 px.
        check((8000, 6000), (1600, 1200), Some((2002, 1502)));
        check((1600, 900), (1600, 900), None);
        check((640, 480), (640, 480), None);
        check((0, 0), (0, 0), None);
    }
}
