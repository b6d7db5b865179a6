//! Files citizens upload with an application. The bytes are streamed into an object store (a
//! folder in the data folder by default) under a name the server chooses, never the citizen's;
//! the store crate keeps what is known of them. Only PDF, JPEG and PNG are taken, told apart by
//! their first bytes rather than by the file name or the type the browser claims.

use std::fmt::Display;
use std::path::Path as FsPath;
use std::str::FromStr;
use std::sync::Arc;

use axum::body::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Every stored file is under this folder of the object store.
const FOLDER: &str = "files";
/// Parts of this size go to the object store (the smallest part S3 and the like accept).
const PART_SIZE: usize = 5 * 1024 * 1024;
/// Parts written at the same time: bounds the memory an upload holds to a few parts.
const PARTS_IN_FLIGHT: usize = 2;
/// Enough bytes to tell the accepted types apart (the PNG signature is the longest).
const SNIFF_LEN: usize = 8;
/// File names are cut to this many characters.
const MAX_NAME_CHARS: usize = 120;
/// The name of a file whose own name has nothing usable left.
const FALLBACK_NAME: &str = "datei";

/// The kinds of file the portal accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
}

impl FileType {
    pub const ALL: [Self; 3] = [Self::Pdf, Self::Jpeg, Self::Png];

    /// The name used in form definitions and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpeg",
            Self::Png => "png",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }

    /// The type the content starts like, from its first (at least 8) bytes. Three fixed
    /// signatures, so written here rather than taken from a crate that knows hundreds.
    pub fn sniff(first_bytes: &[u8]) -> Option<Self> {
        const SIGNATURES: [(&[u8], FileType); 3] = [
            (b"%PDF-", FileType::Pdf),
            (&[0xFF, 0xD8, 0xFF], FileType::Jpeg),
            (
                &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A],
                FileType::Png,
            ),
        ];
        SIGNATURES
            .iter()
            .find(|(signature, _)| first_bytes.starts_with(signature))
            .map(|&(_, file_type)| file_type)
    }
}

impl FromStr for FileType {
    type Err = UnknownFileType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownFileType(s.to_owned()))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown file type {0:?} (expected pdf, jpeg or png)")]
pub struct UnknownFileType(pub String);

/// What a field takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    pub accept: Vec<FileType>,
    pub max_bytes: u64,
}

/// A file written to the object store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFile {
    /// Where it is in the object store: `files/<uuid>`.
    pub key: String,
    pub size_bytes: u64,
    /// SHA-256 (hex) of the content.
    pub sha256: String,
    /// The type found in the content.
    pub file_type: FileType,
}

/// Why an upload was not stored. Nothing is left in the object store in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the file is empty")]
    Empty,
    /// Not one of the field's types (`found: None`: none the portal knows).
    #[error("file type not accepted (found {found:?})")]
    WrongType { found: Option<FileType> },
    #[error("the file is larger than {max_bytes} bytes")]
    TooLarge { max_bytes: u64 },
    /// The request body broke off or was malformed.
    #[error("reading the upload: {0}")]
    Read(String),
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
}

impl UploadError {
    /// A stable code for the citizen's message (translated in the portal); `None` for a
    /// failure of the server, which is logged and answered with the error page.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Self::Empty => Some("upload-empty"),
            Self::WrongType { .. } => Some("upload-wrong-type"),
            Self::TooLarge { .. } => Some("upload-too-large"),
            Self::Read(_) => Some("upload-broken-off"),
            Self::Store(_) => None,
        }
    }
}

/// A stored file being read for a download.
pub struct Download {
    pub size_bytes: u64,
    pub stream: BoxStream<'static, Result<Bytes, object_store::Error>>,
}

/// A file in the object store, as the sweep of files without a row sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedFile {
    pub key: String,
    pub last_modified: chrono::DateTime<chrono::Utc>,
    pub size_bytes: u64,
}

/// Where uploaded files are kept: any object store, a local folder by default.
#[derive(Clone)]
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStore")
            .field("store", &self.store.to_string())
            .finish()
    }
}

impl FileStore {
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }

    /// Files in the folder `dir` (created when missing), each written to disk before its
    /// upload counts as done, since the database row that names it is durable too.
    pub fn local(dir: &FsPath) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let local = LocalFileSystem::new_with_prefix(dir)
            .map_err(std::io::Error::other)?
            .with_fsync(true);
        Ok(Self::new(Arc::new(local)))
    }

    /// Streams an upload into the object store under a new key. The type is checked on the
    /// first bytes before anything is written; the size while streaming. On any error the
    /// partial object is removed.
    pub async fn store_stream<S, E>(
        &self,
        mut stream: S,
        limits: &Limits,
    ) -> Result<StoredFile, UploadError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Display,
    {
        let mut size = Size::new(limits.max_bytes);
        // The first chunks, until the type is known; written once it is accepted.
        let mut head: Vec<Bytes> = Vec::new();
        let mut sniffed: Vec<u8> = Vec::with_capacity(SNIFF_LEN);
        while sniffed.len() < SNIFF_LEN {
            let Some(chunk) = next_chunk(&mut stream).await? else {
                break;
            };
            size.add(&chunk)?;
            let wanted = (SNIFF_LEN - sniffed.len()).min(chunk.len());
            sniffed.extend_from_slice(&chunk[..wanted]);
            head.push(chunk);
        }
        if size.total == 0 {
            return Err(UploadError::Empty);
        }
        let file_type = match FileType::sniff(&sniffed) {
            Some(t) if limits.accept.contains(&t) => t,
            found => return Err(UploadError::WrongType { found }),
        };

        let key = format!("{FOLDER}/{}", Uuid::new_v4());
        let upload = self.store.put_multipart(&Path::from(key.as_str())).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut hasher = Sha256::new();
        for chunk in head {
            hasher.update(&chunk);
            writer.put(chunk);
        }
        let streamed = copy_rest(&mut stream, &mut writer, &mut hasher, &mut size).await;
        if let Err(e) = streamed {
            if let Err(abort) = writer.abort().await {
                tracing::warn!(error = %abort, "an aborted upload left a partial file");
            }
            return Err(e);
        }
        // Finishing aborts the upload itself when it fails.
        writer.finish().await?;
        Ok(StoredFile {
            key,
            size_bytes: size.total,
            sha256: format!("{:x}", hasher.finalize()),
            file_type,
        })
    }

    /// A stored file for a download; `None` when there is none under `key`.
    pub async fn open(&self, key: &str) -> Result<Option<Download>, object_store::Error> {
        let Some(path) = parse_key(key) else {
            return Ok(None);
        };
        match self.store.get(&path).await {
            Ok(found) => Ok(Some(Download {
                size_bytes: found.meta.size,
                stream: found.into_stream(),
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A stored file's whole content (deliveries); `None` when there is none under `key`.
    pub async fn read_all(&self, key: &str) -> Result<Option<Vec<u8>>, object_store::Error> {
        let Some(path) = parse_key(key) else {
            return Ok(None);
        };
        match self.store.get(&path).await {
            Ok(found) => Ok(Some(found.bytes().await?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Deletes a stored file; one already gone is fine.
    pub async fn delete(&self, key: &str) -> Result<(), object_store::Error> {
        let Some(path) = parse_key(key) else {
            return Ok(());
        };
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Every stored file, for the sweep of files without a row (which must spare files
    /// younger than an upload may take: a file is written before its row).
    pub fn list(&self) -> BoxStream<'static, Result<ListedFile, object_store::Error>> {
        self.store
            .list(Some(&Path::from(FOLDER)))
            .map(|meta| {
                meta.map(|m| ListedFile {
                    key: m.location.to_string(),
                    last_modified: m.last_modified,
                    size_bytes: m.size,
                })
            })
            .boxed()
    }
}

/// A key the store handed out: `files/<uuid>`. Anything else names no file (and never one
/// outside the folder).
fn parse_key(key: &str) -> Option<Path> {
    let id = key.strip_prefix(FOLDER)?.strip_prefix('/')?;
    Uuid::parse_str(id).ok()?;
    Path::parse(key).ok()
}

/// The bytes counted so far, against the limit.
struct Size {
    total: u64,
    max: u64,
}

impl Size {
    fn new(max: u64) -> Self {
        Self { total: 0, max }
    }

    fn add(&mut self, chunk: &[u8]) -> Result<(), UploadError> {
        let len = u64::try_from(chunk.len()).unwrap_or(u64::MAX);
        self.total = self.total.saturating_add(len);
        if self.total > self.max {
            return Err(UploadError::TooLarge {
                max_bytes: self.max,
            });
        }
        Ok(())
    }
}

async fn next_chunk<S, E>(stream: &mut S) -> Result<Option<Bytes>, UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    stream
        .next()
        .await
        .transpose()
        .map_err(|e| UploadError::Read(e.to_string()))
}

async fn copy_rest<S, E>(
    stream: &mut S,
    writer: &mut WriteMultipart,
    hasher: &mut Sha256,
    size: &mut Size,
) -> Result<(), UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    while let Some(chunk) = next_chunk(stream).await? {
        size.add(&chunk)?;
        hasher.update(&chunk);
        // Back pressure: a slow disk slows the upload instead of filling memory.
        writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
        writer.put(chunk);
    }
    Ok(())
}

/// The citizen's file name made safe to store and show: the last path segment, without
/// control and invisible direction characters, quotes, slashes or backslashes, at most 120
/// characters (keeping a short extension), and `datei` when nothing is left.
pub fn sanitize_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let kept: String = last
        .chars()
        .filter(|&c| !c.is_control() && !is_invisible_format(c) && !matches!(c, '"' | '\''))
        .collect();
    // Leading dots hide a file or walk up (`..`); trailing dots and spaces vanish on Windows.
    let trimmed = kept
        .trim()
        .trim_start_matches('.')
        .trim_end_matches(['.', ' '])
        .trim();
    if trimmed.is_empty() {
        return FALLBACK_NAME.to_owned();
    }
    shorten(trimmed)
}

/// Cuts a name to [`MAX_NAME_CHARS`], on character boundaries, keeping an extension of up to
/// ten characters.
fn shorten(name: &str) -> String {
    if name.chars().count() <= MAX_NAME_CHARS {
        return name.to_owned();
    }
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| !ext.is_empty() && ext.chars().count() <= 10);
    match extension {
        Some(ext) => {
            let stem_chars = MAX_NAME_CHARS - 1 - ext.chars().count();
            let stem: String = name.chars().take(stem_chars).collect();
            format!("{}.{ext}", stem.trim_end())
        }
        None => name.chars().take(MAX_NAME_CHARS).collect(),
    }
}

/// Characters that change how a name is displayed without showing: direction overrides (which
/// make `rechnung\u{202E}fdp.exe` read as `rechnungexe.pdf`), zero widths, the byte order mark.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// The characters RFC 8187 lets through unencoded in `filename*` (`attr-char`).
const ATTR_CHAR_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// A `Content-Disposition` value that makes the browser save the file under `file_name`:
/// an ASCII fallback (umlauts spelt out) for old clients and the exact name in UTF-8 (RFC 6266).
/// Always a valid header value, whatever the name holds.
pub fn content_disposition_attachment(file_name: &str) -> String {
    let name = sanitize_file_name(file_name);
    let mut fallback = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            'ä' => fallback.push_str("ae"),
            'ö' => fallback.push_str("oe"),
            'ü' => fallback.push_str("ue"),
            'Ä' => fallback.push_str("Ae"),
            'Ö' => fallback.push_str("Oe"),
            'Ü' => fallback.push_str("Ue"),
            'ß' => fallback.push_str("ss"),
            ' '..='~' if !matches!(c, '"' | '\\' | '%') => fallback.push(c),
            _ => fallback.push('_'),
        }
    }
    let encoded = utf8_percent_encode(&name, ATTR_CHAR_ENCODE);
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::convert::Infallible;

    use futures_util::stream;

    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<<>>\nendobj\n%%EOF\n";
    const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00";
    const PNG: &[u8] = b"\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR\x00\x00\x00\x01\x00\x00\x00\x01";

    fn all_types(max_bytes: u64) -> Limits {
        Limits {
            accept: FileType::ALL.to_vec(),
            max_bytes,
        }
    }

    /// `content` in chunks of `size` bytes, as a request body arrives.
    fn chunks(
        content: &[u8],
        size: usize,
    ) -> impl Stream<Item = Result<Bytes, Infallible>> + Unpin + use<> {
        let parts: Vec<_> = content
            .chunks(size)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        stream::iter(parts)
    }

    /// Every file below `dir`, at any depth (folders do not count).
    fn files_in(dir: &FsPath) -> Vec<std::path::PathBuf> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                found.extend(files_in(&path));
            } else {
                found.push(path);
            }
        }
        found
    }

    fn sha256_hex(content: &[u8]) -> String {
        format!("{:x}", Sha256::digest(content))
    }

    async fn read_back(files: &FileStore, key: &str) -> Vec<u8> {
        let download = files.open(key).await.unwrap().unwrap();
        let mut content = Vec::new();
        let mut stream = download.stream;
        while let Some(chunk) = stream.next().await {
            content.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(download.size_bytes, content.len() as u64);
        content
    }

    #[tokio::test]
    async fn each_accepted_type_is_stored_under_a_server_chosen_name() {
        let dir = tempfile::tempdir().unwrap();
        let files = FileStore::local(dir.path()).unwrap();
        for (content, expected) in [
            (PDF, FileType::Pdf),
            (JPEG, FileType::Jpeg),
            (PNG, FileType::Png),
        ] {
            let stored = files
                .store_stream(chunks(content, 7), &all_types(1024))
                .await
                .unwrap();
            assert_eq!(stored.file_type, expected);
            assert_eq!(stored.size_bytes, content.len() as u64);
            assert_eq!(stored.sha256, sha256_hex(content));
            let id = stored.key.strip_prefix("files/").unwrap();
            assert!(Uuid::parse_str(id).is_ok(), "{}", stored.key);
            assert_eq!(read_back(&files, &stored.key).await, content);
        }
        assert_eq!(files_in(dir.path()).len(), 3);
    }

    #[tokio::test]
    async fn a_file_larger_than_one_part_arrives_whole() {
        let dir = tempfile::tempdir().unwrap();
        let files = FileStore::local(dir.path()).unwrap();
        let mut content = PDF.to_vec();
        content.extend((0..PART_SIZE * 2 + 123).map(|i| (i % 251) as u8));
        let stored = files
            .store_stream(chunks(&content, 64 * 1024), &all_types(20 << 20))
            .await
            .unwrap();
        assert_eq!(stored.size_bytes, content.len() as u64);
        assert_eq!(stored.sha256, sha256_hex(&content));
        assert!(read_back(&files, &stored.key).await == content);
    }

    #[tokio::test]
    async fn a_signature_split_into_one_byte_chunks_is_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let files = FileStore::local(dir.path()).unwrap();
        for content in [PDF, JPEG, PNG] {
            let stored = files
                .store_stream(chunks(content, 1), &all_types(1024))
                .await
                .unwrap();
            assert_eq!(stored.sha256, sha256_hex(content));
            assert_eq!(read_back(&files, &stored.key).await, content);
        }
    }

    #[tokio::test]
    async fn a_wrong_type_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let files = FileStore::local(dir.path()).unwrap();
        let only_pdf = Limits {
            accept: vec![FileType::Pdf],
            max_bytes: 1024,
        };
        let cases: [(&[u8], Option<FileType>); 5] = [
            (PNG, Some(FileType::Png)),
            (JPEG, Some(FileType::Jpeg)),
            (b"MZ\x90\x00 a program", None),
            (b"<html><script>", None),
            (b"%PD", None),
        ];
        for (content, found) in cases {
            match files.store_stream(chunks(content, 1), &only_pdf).await {
                Err(UploadError::WrongType { found: got }) => assert_eq!(got, found),
                other => panic!("expected WrongType, got {other:?}"),
            }
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn a_file_over_the_limit_is_refused_while_streaming_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let files = FileStore::local(dir.path()).unwrap();
        let mut content = PDF.to_vec();
        content.resize(200_000, b'x');
        for (max_bytes, chunk) in [(100_000, 4096), (4, 1), (8, 8)] {
            match files
                .store_stream(chunks(&content, chunk), &all_types(max_bytes))
                .await
            {
                Err(UploadError::TooLarge { max_bytes: got }) => assert_eq!(got, max_bytes),
                other => panic!("expected TooLarge, got {other:?}"),
            }
        }
        // The staging file of the aborted upload is removed too.
        assert_eq!(files_in(dir.path()), Vec::<std::path::PathBuf>::new());
        // Exactly at the limit is fine.
        let exact = files
            .store_stream(chunks(&content, 4096), &all_types(200_000))
            .await
            .unwrap();
        assert_eq!(exact.size_bytes, 200_000);
    }

    #[tokio::test]
    async fn a_body_that_breaks_off_is_refused_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let files = FileStore::local(dir.path()).unwrap();
        let broken = stream::iter(vec![
            Ok(Bytes::from_static(PDF)),
            Ok(Bytes::from_static(b"more")),
            Err("connection reset"),
        ]);
        match files.store_stream(broken, &all_types(1024)).await {
            Err(UploadError::Read(e)) => assert_eq!(e, "connection reset"),
            other => panic!("expected Read, got {other:?}"),
        }
        let at_once = stream::iter(vec![Err::<Bytes, _>("gone")]);
        assert!(matches!(
            files.store_stream(at_once, &all_types(1024)).await,
            Err(UploadError::Read(_))
        ));
        assert_eq!(files_in(dir.path()), Vec::<std::path::PathBuf>::new());
    }

    #[tokio::test]
    async fn an_empty_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let files = FileStore::local(dir.path()).unwrap();
        for empty in [
            stream::iter(vec![]),
            stream::iter(vec![Ok::<_, Infallible>(Bytes::new()), Ok(Bytes::new())]),
        ] {
            assert!(matches!(
                files.store_stream(empty, &all_types(1024)).await,
                Err(UploadError::Empty)
            ));
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn a_deleted_or_unknown_file_opens_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let files = FileStore::local(dir.path()).unwrap();
        let stored = files
            .store_stream(chunks(PDF, 16), &all_types(1024))
            .await
            .unwrap();
        let listed: Vec<_> = files.list().collect().await;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].as_ref().unwrap().key, stored.key);

        files.delete(&stored.key).await.unwrap();
        files.delete(&stored.key).await.unwrap();
        assert!(files.open(&stored.key).await.unwrap().is_none());
        assert_eq!(files_in(dir.path()), Vec::<std::path::PathBuf>::new());
        for key in [
            "",
            "files/",
            "files/../../etc/passwd",
            "../portal.db",
            "/etc/passwd",
            "files/not-a-uuid",
        ] {
            assert!(files.open(key).await.unwrap().is_none(), "{key}");
            files.delete(key).await.unwrap();
        }
    }

    #[tokio::test]
    async fn a_field_of_a_multipart_post_streams_into_the_store() {
        use axum::extract::{FromRequest, Multipart, Request};

        let dir = tempfile::tempdir().unwrap();
        let files = FileStore::local(dir.path()).unwrap();
        let mut body = b"--b\r\nContent-Disposition: form-data; name=\"nachweis\"; \
            filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"
            .to_vec();
        body.extend_from_slice(PNG);
        body.extend_from_slice(b"\r\n--b--\r\n");
        let req = Request::builder()
            .method("POST")
            .header("content-type", "multipart/form-data; boundary=b")
            .body(axum::body::Body::from(body))
            .unwrap();
        let mut multipart = Multipart::from_request(req, &()).await.unwrap();
        let field = multipart.next_field().await.unwrap().unwrap();
        let stored = files.store_stream(field, &all_types(1024)).await.unwrap();
        assert_eq!(stored.file_type, FileType::Png);
        assert_eq!(read_back(&files, &stored.key).await, PNG);
    }

    #[test]
    fn file_types_parse_from_their_names_and_sniff_from_their_first_bytes() {
        for t in FileType::ALL {
            assert_eq!(t.as_str().parse::<FileType>(), Ok(t));
        }
        assert!("PDF".parse::<FileType>().is_err());
        assert!("gif".parse::<FileType>().is_err());
        assert_eq!(FileType::Pdf.content_type(), "application/pdf");
        assert_eq!(FileType::Jpeg.content_type(), "image/jpeg");
        assert_eq!(FileType::Png.content_type(), "image/png");
        assert_eq!(FileType::sniff(PDF), Some(FileType::Pdf));
        assert_eq!(FileType::sniff(JPEG), Some(FileType::Jpeg));
        assert_eq!(FileType::sniff(PNG), Some(FileType::Png));
        for other in [
            &b""[..],
            b"\xFF",
            b"\xFF\xD8",
            b"\x89PNG\r\n\x1A",
            b" %PDF-",
            b"GIF89a",
        ] {
            assert_eq!(FileType::sniff(other), None, "{other:?}");
        }
    }

    #[test]
    fn file_names_keep_their_last_segment_without_markup_or_invisible_characters() {
        for (given, expected) in [
            ("Impfpass Bello.pdf", "Impfpass Bello.pdf"),
            ("Größe ß – Übersicht.PDF", "Größe ß – Übersicht.PDF"),
            ("../../etc/passwd", "passwd"),
            ("C:\\Users\\Erika\\Nachweis.pdf", "Nachweis.pdf"),
            ("\"quoted\" 'name'.png", "quoted name.png"),
            ("line\r\nbreak\t.jpg", "linebreak.jpg"),
            ("rechnung\u{202E}fdp.exe", "rechnungfdp.exe"),
            ("zero\u{200B}width\u{FEFF}.pdf", "zerowidth.pdf"),
            (".hidden", "hidden"),
            ("trailing. . ", "trailing"),
            ("  spaced  ", "spaced"),
            ("", "datei"),
            ("..", "datei"),
            ("/", "datei"),
            ("dir/", "datei"),
            ("\u{0}\u{1}\u{7F}", "datei"),
        ] {
            assert_eq!(sanitize_file_name(given), expected, "{given:?}");
        }
    }

    #[test]
    fn long_file_names_are_cut_on_characters_keeping_the_extension() {
        let long = format!("{}.pdf", "ä".repeat(300));
        let cut = sanitize_file_name(&long);
        assert_eq!(cut.chars().count(), 120);
        assert!(cut.ends_with("ää.pdf"));
        let no_extension = "€".repeat(200);
        assert_eq!(sanitize_file_name(&no_extension), "€".repeat(120));
        let long_extension = format!("a.{}", "x".repeat(200));
        assert_eq!(sanitize_file_name(&long_extension).chars().count(), 120);
    }

    #[test]
    fn a_download_is_offered_under_the_citizens_name() {
        assert_eq!(
            content_disposition_attachment("Nachweis.pdf"),
            "attachment; filename=\"Nachweis.pdf\"; filename*=UTF-8''Nachweis.pdf"
        );
        assert_eq!(
            content_disposition_attachment("Größe Übersicht.pdf"),
            "attachment; filename=\"Groesse Uebersicht.pdf\"; \
             filename*=UTF-8''Gr%C3%B6%C3%9Fe%20%C3%9Cbersicht.pdf"
        );
        assert_eq!(
            content_disposition_attachment("a\"b\\c;d%e.pdf"),
            "attachment; filename=\"c;d_e.pdf\"; filename*=UTF-8''c%3Bd%25e.pdf"
        );
        assert_eq!(
            content_disposition_attachment("../../etc/passwd"),
            "attachment; filename=\"passwd\"; filename*=UTF-8''passwd"
        );
        assert_eq!(
            content_disposition_attachment(""),
            "attachment; filename=\"datei\"; filename*=UTF-8''datei"
        );
    }

    #[test]
    fn nothing_panics_and_every_disposition_is_a_valid_header_value() {
        let long = "x".repeat(10_000);
        let nasty = [
            "\r\nSet-Cookie: x=1",
            "\u{0}",
            "日本語のファイル名.png",
            "🐕‍🦺.jpg",
            "a\u{202E}\u{2066}b",
            "\\\\server\\share\\",
            "%%%%",
            "name.",
            ".",
            &long,
        ];
        for name in nasty {
            let clean = sanitize_file_name(name);
            assert!(
                !clean.is_empty() && clean.chars().count() <= 120,
                "{name:?}"
            );
            let value = content_disposition_attachment(name);
            assert!(
                axum::http::HeaderValue::from_str(&value).is_ok(),
                "{name:?} -> {value:?}"
            );
            assert!(value.is_ascii());
        }
    }
}
