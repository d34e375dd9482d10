//! Compressed event streams: the `Content-Encoding` a client accepts, and a compressor that
//! flushes after every frame so that compression never holds an event back.
//!
//! A stream compressor keeps the history of everything it compressed, so later events that
//! repeat earlier ones (the same page fragment with a few values changed) cost a few bytes.
//! That history is per stream: each connection has its own compressor.

use std::io::{self, Write};

use bytes::Bytes;
use http::HeaderMap;
use http::header::{ACCEPT_ENCODING, HeaderValue};

/// The brotli quality of compressed streams unless told otherwise (see [`Compression`]).
pub const DEFAULT_BROTLI_QUALITY: u32 = 4;
/// The brotli window of compressed streams unless told otherwise, in bits: 2^16 = 64 KiB of
/// history (see [`Compression`]).
pub const DEFAULT_BROTLI_WINDOW: u32 = 16;
/// The gzip level of compressed streams unless told otherwise: the zlib default (see
/// [`Compression`]).
pub const DEFAULT_GZIP_LEVEL: u32 = 6;
/// The brotli writer's own buffer.
const BROTLI_BUFFER: usize = 4096;
/// brotli is given a frame this much at a time, each piece flushed: its buffers for a
/// meta-block grow with the input it is given before a flush (to about 5 MiB for one 1 MiB
/// event, and kept), while 8 KiB pieces keep them small, for a few bytes of block headers.
const BROTLI_PIECE: usize = 8 * 1024;

/// How [`DatastarLayer::compress_with`](crate::DatastarLayer::compress_with) compresses
/// streams: brotli's quality and window, gzip's level.
///
/// A stream compressor keeps state for as long as its stream lasts, so these settings decide
/// what each compressed connection costs. The defaults (brotli quality 4 with a 64 KiB window,
/// gzip level 6) keep it under 1 MiB per stream whatever the events: measured, a brotli stream
/// holds 9 KiB before its first event and about 830 KiB once it has sent a few hundred KiB,
/// even after 1 MiB events; a gzip stream about 350 KiB from the start. So 10,000 compressed
/// streams hold at most about 8 GiB. The price is compression: on a stream of 10 KB morphs
/// brotli compresses 55× with these settings, against 128× with quality 5 and a 4 MiB window
/// (BENCHMARKS.md, "Compression"), which costs about 15 MiB per stream under large events.
///
/// ```
/// use axum::{Router, routing::get};
/// use datastar_runtime::{Compression, DatastarLayer, PatchElements};
///
/// async fn hello() -> PatchElements<datastar_runtime::ById> {
///     PatchElements::new(r#"<p id="hello">hello</p>"#)
/// }
///
/// // Few, long-lived streams of large pages: spend memory on a 4 MiB window.
/// let app: Router = Router::new()
///     .route("/hello", get(hello))
///     .layer(DatastarLayer::new().compress_with(Compression::new().brotli_window(22)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct Compression {
    brotli_quality: u32,
    brotli_window: u32,
    gzip_level: u32,
}

impl Compression {
    /// The defaults: [`DEFAULT_BROTLI_QUALITY`], [`DEFAULT_BROTLI_WINDOW`],
    /// [`DEFAULT_GZIP_LEVEL`].
    pub const fn new() -> Self {
        Compression {
            brotli_quality: DEFAULT_BROTLI_QUALITY,
            brotli_window: DEFAULT_BROTLI_WINDOW,
            gzip_level: DEFAULT_GZIP_LEVEL,
        }
    }

    /// brotli's quality, from 0 (fastest) to 11 (smallest); larger values are cut to 11.
    /// Qualities above 5 cost much more CPU per event, and from 5 up brotli's hash tables
    /// take more memory (at quality 5 and window 16, about 33 MiB per stream: measure before
    /// choosing).
    pub const fn brotli_quality(mut self, quality: u32) -> Self {
        self.brotli_quality = if quality > 11 { 11 } else { quality };
        self
    }

    /// brotli's window: 2^`bits` bytes of history, from 10 (1 KiB) to 24 (16 MiB); other
    /// values are brought into that range. The history finds older repeats, and costs memory
    /// per stream once the stream has sent that much: measured at quality 4, about 0.8 MiB at
    /// 16, 1.2 MiB at 18; at quality 5, 3.3 MiB at 20 and 9.3 MiB at 22.
    pub const fn brotli_window(mut self, bits: u32) -> Self {
        self.brotli_window = if bits < 10 {
            10
        } else if bits > 24 {
            24
        } else {
            bits
        };
        self
    }

    /// gzip's level, from 0 (stored) to 9 (smallest); larger values are cut to 9. The window
    /// is always 32 KiB.
    pub const fn gzip_level(mut self, level: u32) -> Self {
        self.gzip_level = if level > 9 { 9 } else { level };
        self
    }

    /// brotli's (quality, window bits).
    pub const fn brotli(&self) -> (u32, u32) {
        (self.brotli_quality, self.brotli_window)
    }

    /// gzip's level.
    pub const fn gzip(&self) -> u32 {
        self.gzip_level
    }
}

impl Default for Compression {
    fn default() -> Self {
        Self::new()
    }
}

/// A `Content-Encoding` this crate can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    Gzip,
    Brotli,
}

impl Coding {
    /// The `Content-Encoding` value.
    pub(crate) fn header_value(self) -> HeaderValue {
        HeaderValue::from_static(self.as_str())
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Brotli => "br",
        }
    }
}

/// The coding to answer a request with: brotli or gzip, whichever the client prefers by
/// `q`-value (brotli on a tie), or `None` when it accepts neither (then the stream is sent as
/// is). `*` stands for the codings not named; `q=0` refuses one.
pub(crate) fn negotiate(headers: &HeaderMap) -> Option<Coding> {
    // q-values in thousandths; None: not mentioned.
    let (mut br, mut gzip, mut any) = (None, None, None);
    for value in headers.get_all(ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let mut q = 1000;
            for param in parts {
                if let Some((key, value)) = param.split_once('=')
                    && key.trim().eq_ignore_ascii_case("q")
                {
                    q = parse_q(value.trim()).unwrap_or(0);
                }
            }
            if name.eq_ignore_ascii_case("br") {
                br = Some(q);
            } else if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
                gzip = Some(q);
            } else if name == "*" {
                any = Some(q);
            }
        }
    }
    let br = br.or(any).unwrap_or(0);
    let gzip = gzip.or(any).unwrap_or(0);
    match (br, gzip) {
        (0, 0) => None,
        (br, gzip) if br >= gzip => Some(Coding::Brotli),
        _ => Some(Coding::Gzip),
    }
}

/// A q-value (`0`, `0.5`, `1.000`) in thousandths.
fn parse_q(text: &str) -> Option<u32> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u32 = match whole {
        "0" => 0,
        "1" => 1000,
        _ => return None,
    };
    let fraction = format!("{fraction:0<3}").parse::<u32>().ok()?;
    Some((whole + fraction).min(1000))
}

/// One stream's compressor.
pub(crate) enum Compressor {
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
    Brotli(Box<brotli::CompressorWriter<Vec<u8>>>),
}

impl Compressor {
    pub(crate) fn new(coding: Coding, settings: Compression) -> Self {
        match coding {
            Coding::Gzip => Compressor::Gzip(flate2::write::GzEncoder::new(
                Vec::new(),
                flate2::Compression::new(settings.gzip_level),
            )),
            Coding::Brotli => Compressor::Brotli(Box::new(brotli::CompressorWriter::new(
                Vec::new(),
                BROTLI_BUFFER,
                settings.brotli_quality,
                settings.brotli_window,
            ))),
        }
    }

    /// Compresses `frame` and flushes: the bytes returned decode to everything given so far.
    pub(crate) fn frame(&mut self, frame: &[u8]) -> io::Result<Bytes> {
        match self {
            Compressor::Gzip(encoder) => {
                encoder.write_all(frame)?;
                // A zlib sync flush: ends the deflate block on a byte boundary.
                encoder.flush()?;
                Ok(Bytes::from(std::mem::take(encoder.get_mut())))
            }
            Compressor::Brotli(encoder) => {
                for piece in frame.chunks(BROTLI_PIECE) {
                    encoder.write_all(piece)?;
                    // BROTLI_OPERATION_FLUSH: the decoder can emit every byte written so far.
                    encoder.flush()?;
                }
                Ok(Bytes::from(std::mem::take(encoder.get_mut())))
            }
        }
    }

    /// The end of the compressed stream (gzip's trailer, brotli's last meta-block).
    pub(crate) fn finish(self) -> io::Result<Bytes> {
        match self {
            Compressor::Gzip(encoder) => encoder.finish().map(Bytes::from),
            Compressor::Brotli(encoder) => Ok(Bytes::from(encoder.into_inner())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Option<Coding> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        negotiate(&headers)
    }

    #[test]
    fn negotiation_follows_q_values_and_prefers_brotli_on_a_tie() {
        assert_eq!(negotiate(&HeaderMap::new()), None);
        assert_eq!(accept("gzip, deflate, br, zstd"), Some(Coding::Brotli));
        assert_eq!(accept("gzip"), Some(Coding::Gzip));
        assert_eq!(accept("x-gzip"), Some(Coding::Gzip));
        assert_eq!(accept("br;q=0.5, gzip"), Some(Coding::Gzip));
        assert_eq!(accept("br;q=0, gzip;q=0"), None);
        assert_eq!(accept("identity"), None);
        assert_eq!(accept("deflate, zstd"), None);
        assert_eq!(accept("*"), Some(Coding::Brotli));
        assert_eq!(accept("*;q=0.1, gzip"), Some(Coding::Gzip));
        assert_eq!(accept("br;q=0, *"), Some(Coding::Gzip));
        assert_eq!(accept("BR ; Q=1.000"), Some(Coding::Brotli));
        assert_eq!(accept("br;q=2"), None, "an invalid q-value refuses");
    }

    #[test]
    fn every_frame_decodes_on_its_own_arrival() {
        for coding in [Coding::Gzip, Coding::Brotli] {
            let mut compressor = Compressor::new(coding, Compression::new());
            let mut wire = Vec::new();
            let mut expected = Vec::new();
            for n in 0..20 {
                let frame = format!(
                    "event: datastar-patch-elements\ndata: elements <p id=\"n\">{n}</p>\n\n"
                );
                wire.extend_from_slice(&compressor.frame(frame.as_bytes()).unwrap());
                expected.extend_from_slice(frame.as_bytes());
                assert_eq!(
                    decode_so_far(coding, &wire),
                    expected,
                    "{coding:?}, frame {n}"
                );
            }
            // Without its end the stream is truncated, which a finishing decoder notices...
            assert!(
                decode_whole(coding, &wire).is_err(),
                "{coding:?}: a stream without its end must not decode as whole"
            );
            // ...and with it, the whole stream decodes to every frame, and nothing more.
            wire.extend_from_slice(&compressor.finish().unwrap());
            assert_eq!(
                decode_whole(coding, &wire).unwrap(),
                expected,
                "{coding:?}, the whole stream"
            );
        }
    }

    #[test]
    fn a_large_frame_decodes_on_its_own_arrival() {
        let frame: String = (0..40_000)
            .map(|i| format!("data: elements <p>{i}</p>\n"))
            .collect();
        for coding in [Coding::Gzip, Coding::Brotli] {
            let mut compressor = Compressor::new(coding, Compression::new());
            let mut wire = compressor.frame(b"event: x\n").unwrap().to_vec();
            wire.extend_from_slice(&compressor.frame(frame.as_bytes()).unwrap());
            let decoded = decode_so_far(coding, &wire);
            assert_eq!(decoded.len(), frame.len() + 9, "{coding:?}");
        }
    }

    /// `wire` decoded as a complete stream: an error unless it ends properly (gzip's trailer
    /// with a matching CRC and length, brotli's last meta-block).
    fn decode_whole(coding: Coding, wire: &[u8]) -> io::Result<Vec<u8>> {
        match coding {
            Coding::Gzip => {
                let mut decoder = flate2::write::GzDecoder::new(Vec::new());
                decoder.write_all(wire)?;
                decoder.try_finish()?;
                Ok(std::mem::take(decoder.get_mut()))
            }
            Coding::Brotli => {
                let mut decoder = brotli::DecompressorWriter::new(Vec::new(), 4096);
                decoder.write_all(wire)?;
                decoder.close()?;
                Ok(std::mem::take(decoder.get_mut()))
            }
        }
    }

    fn decode_so_far(coding: Coding, wire: &[u8]) -> Vec<u8> {
        match coding {
            Coding::Gzip => {
                let mut decoder = flate2::write::GzDecoder::new(Vec::new());
                decoder.write_all(wire).unwrap();
                decoder.flush().unwrap();
                std::mem::take(decoder.get_mut())
            }
            Coding::Brotli => {
                // The reader, not `DecompressorWriter`, whose flush can hold output back.
                // A stream without its end reads as an error after all the bytes it holds.
                let mut out = Vec::new();
                let _ = std::io::Read::read_to_end(
                    &mut brotli::Decompressor::new(wire, 4096),
                    &mut out,
                );
                out
            }
        }
    }
}
