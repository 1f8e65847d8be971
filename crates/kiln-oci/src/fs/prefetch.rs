//! Reading a stream one step ahead in a second thread: the producer pulls chunks (for a
//! layer: the blob read, its digest, decompression and the diff_id hash), the consumer
//! (the tar parser) works on the previous chunk meanwhile. A single large layer thus
//! uses two cores instead of one.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Bytes per chunk handed over.
const CHUNK: usize = 1 << 20;
/// Chunks in flight at most (memory: `DEPTH + 2` chunks per stream).
const DEPTH: usize = 4;

/// Runs `consume` over what `source` yields, with `source` read in a scoped thread; then
/// returns `source` (for its end-of-stream checks), the error reading it stopped at (the
/// consumer saw the stream end there), and `consume`'s result.
pub(crate) fn pipelined<R, T>(
    source: R,
    consume: impl FnOnce(&mut dyn Read) -> T,
) -> (R, Option<io::Error>, T)
where
    R: Read + Send,
{
    let (tx, rx) = sync_channel(DEPTH);
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || produce(source, &tx));
        let mut reader = ChunkReader {
            rx,
            chunk: Vec::new(),
            pos: 0,
        };
        let result = consume(&mut reader);
        // Dropping the receiver stops the producer at its next send.
        drop(reader);
        match producer.join() {
            Ok((source, error)) => (source, error, result),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

fn produce<R: Read>(mut source: R, tx: &SyncSender<Vec<u8>>) -> (R, Option<io::Error>) {
    loop {
        let mut chunk = Vec::with_capacity(CHUNK);
        match (&mut source).take(CHUNK as u64).read_to_end(&mut chunk) {
            Ok(0) => return (source, None),
            Ok(_) => {
                if tx.send(chunk).is_err() {
                    return (source, None);
                }
            }
            Err(e) => return (source, Some(e)),
        }
    }
}

struct ChunkReader {
    rx: Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    pos: usize,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.chunk.len() {
            match self.rx.recv() {
                Ok(chunk) => {
                    self.chunk = chunk;
                    self.pos = 0;
                }
                // The producer is done (or failed; the caller reports that): end of stream.
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_every_byte_and_returns_the_source() {
        let data: Vec<u8> = (0..3 * CHUNK + 17).map(|i| (i % 251) as u8).collect();
        let (rest, error, got) = pipelined(&data[..], |r| {
            let mut v = Vec::new();
            r.read_to_end(&mut v).map(|_| v)
        });
        assert_eq!(got.unwrap(), data);
        assert!(rest.is_empty() && error.is_none());
    }

    #[test]
    fn a_consumer_that_stops_early_leaves_the_rest_to_the_source() {
        let data = vec![7u8; 10 * CHUNK];
        let (rest, _, got) = pipelined(&data[..], |r| {
            let mut v = [0u8; 10];
            r.read_exact(&mut v).map(|()| v)
        });
        assert_eq!(got.unwrap(), [7u8; 10]);
        assert!(rest.len() < data.len() && rest.len() >= data.len() - (DEPTH + 2) * CHUNK);
    }

    #[test]
    fn errors_end_the_stream_and_are_returned() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("broken"))
            }
        }
        let (_, error, got) = pipelined(Failing, |r| r.read(&mut [0u8; 4]));
        assert_eq!(got.unwrap(), 0);
        assert_eq!(error.unwrap().to_string(), "broken");
    }
}
