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
/// The zstd level of compressed streams unless told otherwise (see [`Compression`]).
pub const DEFAULT_ZSTD_LEVEL: i32 = 3;
/// The zstd window of compressed streams unless told otherwise, in bits: 2^16 = 64 KiB of
/// history, as brotli's (see [`Compression`]).
pub const DEFAULT_ZSTD_WINDOW: u32 = 16;
/// zstd's match-finder tables, in bits (hash and chain): fixed, since the level's own choice
/// (2^17 and 2^16 entries of 4 bytes at level 3) alone would take 768 KiB per stream.
const ZSTD_TABLES: u32 = 15;
/// The brotli writer's own buffer.
const BROTLI_BUFFER: usize = 4096;
/// brotli is given a frame this much at a time, each piece flushed: its buffers for a
/// meta-block grow with the input it is given before a flush (to about 5 MiB for one 1 MiB
/// event, and kept), while 8 KiB pieces keep them small, for a few bytes of block headers.
const BROTLI_PIECE: usize = 8 * 1024;

/// How [`DatastarLayer::compress_with`](crate::DatastarLayer::compress_with) compresses
/// streams: brotli's quality and window, gzip's level, zstd's level and window, and which
/// coding wins when a client accepts several ([`Priority`]).
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
    zstd_level: i32,
    zstd_window: u32,
    priority: Priority,
}

/// Which coding wins when a client accepts several equally (by `q`-value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Priority {
    /// The server's order: brotli, then zstd, then gzip. The default, because browsers list
    /// `gzip` first (Chromium sends `gzip, deflate, br, zstd`) while it compresses worst.
    #[default]
    Server,
    /// The order the client lists them in.
    Client,
}

impl Compression {
    /// The defaults: [`DEFAULT_BROTLI_QUALITY`], [`DEFAULT_BROTLI_WINDOW`],
    /// [`DEFAULT_GZIP_LEVEL`], [`DEFAULT_ZSTD_LEVEL`], [`DEFAULT_ZSTD_WINDOW`], and
    /// [`Priority::Server`].
    pub const fn new() -> Self {
        Compression {
            brotli_quality: DEFAULT_BROTLI_QUALITY,
            brotli_window: DEFAULT_BROTLI_WINDOW,
            gzip_level: DEFAULT_GZIP_LEVEL,
            zstd_level: DEFAULT_ZSTD_LEVEL,
            zstd_window: DEFAULT_ZSTD_WINDOW,
            priority: Priority::Server,
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

    /// zstd's level, from 1 (fastest) to 19 (smallest); other values are brought into that
    /// range. The match-finder tables stay at 2^15 entries whatever the level, so the memory
    /// per stream is set by the window.
    pub const fn zstd_level(mut self, level: i32) -> Self {
        self.zstd_level = if level < 1 {
            1
        } else if level > 19 {
            19
        } else {
            level
        };
        self
    }

    /// zstd's window: 2^`bits` bytes of history, from 10 (1 KiB) to 23 (8 MiB); other values
    /// are brought into that range. Browsers decode windows up to 8 MiB. The default of 16
    /// keeps a zstd stream under 1 MiB: measured with zstd's own count, 713 KiB after 2.5 MiB
    /// of events flushed one by one, against 1.1 MiB at 17.
    pub const fn zstd_window(mut self, bits: u32) -> Self {
        self.zstd_window = if bits < 10 {
            10
        } else if bits > 23 {
            23
        } else {
            bits
        };
        self
    }

    /// Which coding wins among those the client accepts equally: see [`Priority`].
    pub const fn priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
        self
    }

    /// zstd's (level, window bits).
    pub const fn zstd(&self) -> (i32, u32) {
        (self.zstd_level, self.zstd_window)
    }

    /// Which coding wins a tie.
    pub const fn coding_priority(&self) -> Priority {
        self.priority
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
    Zstd,
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
            Coding::Zstd => "zstd",
        }
    }
}

/// The coding to answer a request with: of brotli, zstd and gzip, the one the client accepts
/// with the highest `q`-value, ties settled by `priority`; `None` when it accepts none of them
/// (then the stream is sent as is). `*` stands for the codings not named; `q=0` refuses one.
pub(crate) fn negotiate(headers: &HeaderMap, priority: Priority) -> Option<Coding> {
    // Per coding: q-value in thousandths and the position the client named it at.
    let mut named: [Option<(u32, usize)>; 3] = [None; 3];
    let mut any = None;
    let mut position = 0;
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
            position += 1;
            let slot = if name.eq_ignore_ascii_case("br") {
                0
            } else if name.eq_ignore_ascii_case("zstd") {
                1
            } else if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
                2
            } else {
                if name == "*" {
                    any = Some((q, position));
                }
                continue;
            };
            named[slot] = Some((q, position));
        }
    }
    const SERVER_ORDER: [Coding; 3] = [Coding::Brotli, Coding::Zstd, Coding::Gzip];
    let mut best: Option<(Coding, u32, usize)> = None;
    for (slot, coding) in SERVER_ORDER.into_iter().enumerate() {
        let Some((q, at)) = named[slot].or(any) else {
            continue;
        };
        // Among the codings `*` stands for, the server's order decides.
        let at = if named[slot].is_none() {
            usize::MAX - 3 + slot
        } else {
            at
        };
        let rank = match priority {
            Priority::Server => slot,
            Priority::Client => at,
        };
        let better = match best {
            None => true,
            Some((_, best_q, best_rank)) => q > best_q || (q == best_q && rank < best_rank),
        };
        if q > 0 && better {
            best = Some((coding, q, rank));
        }
    }
    best.map(|(coding, _, _)| coding)
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
    Zstd(Box<zstd::stream::write::Encoder<'static, Vec<u8>>>),
}

impl Compressor {
    pub(crate) fn new(coding: Coding, settings: Compression) -> io::Result<Self> {
        Ok(match coding {
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
            Coding::Zstd => Compressor::Zstd(Box::new(zstd_encoder(settings)?)),
        })
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
            Compressor::Zstd(encoder) => {
                encoder.write_all(frame)?;
                // ZSTD_e_flush: ends the block, so the decoder can emit everything so far.
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
            Compressor::Zstd(encoder) => encoder.finish().map(Bytes::from),
        }
    }
}

/// A zstd stream with the window of `settings` and tables small enough for it.
fn zstd_encoder(
    settings: Compression,
) -> io::Result<zstd::stream::write::Encoder<'static, Vec<u8>>> {
    let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), settings.zstd_level)?;
    for parameter in zstd_parameters(settings) {
        encoder.set_parameter(parameter)?;
    }
    Ok(encoder)
}

/// The parameters every zstd stream is given, beside its level.
fn zstd_parameters(settings: Compression) -> [zstd::stream::raw::CParameter; 4] {
    use zstd::stream::raw::CParameter;
    let tables = ZSTD_TABLES.min(settings.zstd_window);
    [
        CParameter::WindowLog(settings.zstd_window),
        CParameter::HashLog(tables),
        CParameter::ChainLog(tables),
        // The browser checks nothing a checksum would catch that TCP does not.
        CParameter::ChecksumFlag(false),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Option<Coding> {
        accept_by(value, Priority::Server)
    }

    fn accept_by(value: &str, priority: Priority) -> Option<Coding> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        negotiate(&headers, priority)
    }

    #[test]
    fn negotiation_follows_q_values_and_prefers_brotli_on_a_tie() {
        assert_eq!(negotiate(&HeaderMap::new(), Priority::Server), None);
        assert_eq!(accept("gzip, deflate, br, zstd"), Some(Coding::Brotli));
        assert_eq!(accept("gzip"), Some(Coding::Gzip));
        assert_eq!(accept("x-gzip"), Some(Coding::Gzip));
        assert_eq!(accept("br;q=0.5, gzip"), Some(Coding::Gzip));
        assert_eq!(accept("br;q=0, gzip;q=0"), None);
        assert_eq!(accept("identity"), None);
        assert_eq!(accept("deflate, zstd"), Some(Coding::Zstd));
        assert_eq!(accept("gzip, zstd"), Some(Coding::Zstd));
        assert_eq!(accept("zstd;q=0.5, gzip"), Some(Coding::Gzip));
        assert_eq!(accept("*"), Some(Coding::Brotli));
        assert_eq!(accept("*;q=0.1, gzip"), Some(Coding::Gzip));
        assert_eq!(accept("br;q=0, *"), Some(Coding::Zstd));
        assert_eq!(accept("br;q=0, zstd;q=0, *"), Some(Coding::Gzip));
        assert_eq!(accept("BR ; Q=1.000"), Some(Coding::Brotli));
        assert_eq!(accept("br;q=2"), None, "an invalid q-value refuses");
    }

    #[test]
    fn client_priority_takes_the_first_coding_the_client_names() {
        let client = |value| accept_by(value, Priority::Client);
        assert_eq!(client("gzip, deflate, br, zstd"), Some(Coding::Gzip));
        assert_eq!(client("zstd, br"), Some(Coding::Zstd));
        assert_eq!(client("br, gzip"), Some(Coding::Brotli));
        // q-values still come first; `*` stands after everything named.
        assert_eq!(client("gzip;q=0.5, zstd"), Some(Coding::Zstd));
        assert_eq!(client("*, gzip"), Some(Coding::Gzip));
        assert_eq!(client("*"), Some(Coding::Brotli));
    }

    /// What a zstd stream holds with the default settings, after 2 MiB of events flushed one
    /// by one: zstd's own count of its context.
    #[test]
    fn a_zstd_stream_stays_under_one_mebibyte() {
        use zstd::zstd_safe::{CCtx, InBuffer, OutBuffer};
        let mut cctx = CCtx::create();
        cctx.set_parameter(zstd::zstd_safe::CParameter::CompressionLevel(
            DEFAULT_ZSTD_LEVEL,
        ))
        .unwrap();
        for parameter in zstd_parameters(Compression::new()) {
            cctx.set_parameter(parameter).unwrap();
        }
        let mut out: Vec<u8> = Vec::with_capacity(1 << 20);
        let mut sent = 0;
        for n in 0..30_000u32 {
            let event = format!(
                "event: datastar-patch-elements\ndata: elements <tr id=\"r{n}\"><td>{}</td></tr>\n\n",
                n.wrapping_mul(2_654_435_761)
            );
            sent += event.len();
            let mut input = InBuffer::around(event.as_bytes());
            while input.pos() < event.len() {
                out.clear();
                cctx.compress_stream(&mut OutBuffer::around(&mut out), &mut input)
                    .unwrap();
            }
            loop {
                out.clear();
                if cctx.flush_stream(&mut OutBuffer::around(&mut out)).unwrap() == 0 {
                    break;
                }
            }
        }
        assert!(sent > 2 << 20, "{sent}");
        let held = cctx.sizeof();
        assert!(held < 1 << 20, "a zstd stream holds {held} bytes");
        println!(
            "a zstd stream holds {} KiB after {} KiB",
            held / 1024,
            sent / 1024
        );
    }

    #[test]
    fn every_frame_decodes_on_its_own_arrival() {
        for coding in [Coding::Gzip, Coding::Brotli, Coding::Zstd] {
            let mut compressor = Compressor::new(coding, Compression::new()).unwrap();
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
        for coding in [Coding::Gzip, Coding::Brotli, Coding::Zstd] {
            let mut compressor = Compressor::new(coding, Compression::new()).unwrap();
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
            Coding::Zstd => zstd::stream::decode_all(wire),
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
            Coding::Zstd => {
                let mut decoder = zstd::stream::write::Decoder::new(Vec::new()).unwrap();
                decoder.write_all(wire).unwrap();
                decoder.flush().unwrap();
                std::mem::take(decoder.get_mut())
            }
        }
    }
}
