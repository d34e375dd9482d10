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

/// brotli quality for streams: 5 costs about as much CPU per event as gzip's default level, and
/// qualities above it cost more for little (see BENCHMARKS.md, "Compression").
const BROTLI_QUALITY: u32 = 5;
/// brotli window: 2^22 = 4 MiB of history. On a stream of 10 KB morphs, quality 5 compresses
/// 139x with it against 53x with a 256 KiB window (BENCHMARKS.md): the history is what finds
/// the previous copy of the fragment. The window is filled as the stream goes: a new stream
/// holds about 300 KiB of coder state, a long one up to about 7 MiB (measured).
const BROTLI_WINDOW: u32 = 22;
/// The brotli writer's own buffer.
const BROTLI_BUFFER: usize = 4096;
/// gzip level: the zlib default.
const GZIP_LEVEL: u32 = 6;

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
    pub(crate) fn new(coding: Coding) -> Self {
        match coding {
            Coding::Gzip => Compressor::Gzip(flate2::write::GzEncoder::new(
                Vec::new(),
                flate2::Compression::new(GZIP_LEVEL),
            )),
            Coding::Brotli => Compressor::Brotli(Box::new(brotli::CompressorWriter::new(
                Vec::new(),
                BROTLI_BUFFER,
                BROTLI_QUALITY,
                BROTLI_WINDOW,
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
                encoder.write_all(frame)?;
                // BROTLI_OPERATION_FLUSH: the decoder can emit every byte written so far.
                encoder.flush()?;
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
            let mut compressor = Compressor::new(coding);
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
                let mut decoder = brotli::DecompressorWriter::new(Vec::new(), 4096);
                decoder.write_all(wire).unwrap();
                decoder.flush().unwrap();
                std::mem::take(decoder.get_mut())
            }
        }
    }
}
