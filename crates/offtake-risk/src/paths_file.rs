//! The per-path file (`--paths-out`, one per shard): Parquet, one row per path, read by DuckDB,
//! pandas/pyarrow, Polars and Spark; and the merge of shards into the table a single run gives.
//!
//! Columns, in order: `path_idx` (INT64); with factors, `demand_factor`, `power_factor`,
//! `capex_factor`, `resale_factor` (DOUBLE), `delay_months_<tranche>` and
//! `slip_months_<generation>` (INT32), `default_period_<party>` for each party with a credit
//! (INT32, the 0-based period; null = no default within the term); the sixteen metrics of
//! [`PathMetric`] (DOUBLE, `payback_months` INT32; null = the path does not have it);
//! `contracted`, `financeable`, `deliverable`, `option_exercised_<tranche>`,
//! `equity_paid_<id>`, `default_<party>`, `payment_default_tested`, `payment_default`
//! (BOOLEAN). Snappy-compressed row groups of 65,536 rows. The file's
//! key-value metadata `offtake.risk` holds a JSON [`PathsHeader`]: the run's identity (term-sheet
//! fingerprint, seed, paths, shard) that merge checks; `offtake.risk.checksum` holds a
//! [`Checksum`]: XXH64 of every byte before the footer (the row data) and of the header's JSON.
//! Reading verifies both, so an altered or damaged shard is refused and named, never merged.

use std::hash::Hasher as _;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use offtake_model::Contract;
use parquet::basic::{Compression, Repetition, Type as PhysicalType};
use parquet::column::reader::ColumnReader;
use parquet::data_type::{BoolType, DoubleType, Int32Type, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::reader::{ChunkReader, FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use serde::{Deserialize, Serialize};

use crate::report::contract_fingerprint;
use crate::run::{RunConfig, Shard, Simulation};
use crate::table::{Layout, PathMetric, PathTable, Verdict};
use crate::{Error, Result};

/// Version of the file layout; bumped on any change to columns, header or the paths' generator
/// (shards of different formats never merge). 2: path generators are PCG (`crate::rng`), not
/// ChaCha8. 3: a [`Checksum`] of the row data and of the header (`CHECKSUM_KEY`); no page
/// index, so the row data is every byte before the footer. 4: MODEL v2 (§14, §15): the metrics
/// `credit_adjusted_coverage` … `sponsor_irr`, the flags `default_<party>`,
/// `payment_default_tested` and `payment_default`, and with factors `resale_factor` and
/// `default_period_<party>`; paths draw default times.
pub const FORMAT: u32 = 4;
/// The format of a run with a Sobol design (`--sensitivity sobol`): format 4's columns, and a
/// header whose `n_paths` counts every row of the run (the Monte Carlo paths, then the design's
/// points) with a [`DesignHeader`] `design`. Versioned apart so that an offtake without Sobol
/// designs refuses such a file instead of merging its design points as paths.
pub const SOBOL_FORMAT: u32 = 5;
/// Key of the header in the file's key-value metadata.
pub const HEADER_KEY: &str = "offtake.risk";
/// Key of the [`Checksum`] in the file's key-value metadata.
pub const CHECKSUM_KEY: &str = "offtake.risk.checksum";
/// The one checksum algorithm written and read.
const XXH64: &str = "xxh64";

/// What a paths file's checksums cover: the bytes from the start of the file to its footer (the
/// row data: every page of every column) and the header's JSON as stored. XXH64 with seed 0,
/// as 16 lower-case hex digits. It detects damage and edits, not a forger (who can recompute it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checksum {
    pub algorithm: String,
    pub data_bytes: u64,
    pub data: String,
    pub header: String,
}

fn hex64(h: u64) -> String {
    format!("{h:016x}")
}

fn xxh64(bytes: &[u8]) -> String {
    hex64(twox_hash::XxHash64::oneshot(0, bytes))
}

/// A writer that hashes (and counts) what passes through it.
struct Hashing<W> {
    inner: W,
    hasher: twox_hash::XxHash64,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.write(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
const ROW_GROUP_ROWS: usize = 65_536;

/// The identity of a paths file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathsHeader {
    pub format: u32,
    pub writer: String,
    pub deal_id: String,
    pub contract_fingerprint: String,
    pub seed: u64,
    /// Paths of the whole run (all shards).
    pub n_paths: u64,
    pub shard_index: u64,
    pub shard_count: u64,
    /// Rows in this file.
    pub rows: u64,
    /// The run was interrupted; the file holds only the paths that finished.
    pub partial: bool,
    pub layout: Layout,
    /// Format 5: the run's Sobol design.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design: Option<DesignHeader>,
}

/// A run's Sobol design in a paths file's header (format 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesignHeader {
    /// The Monte Carlo paths (rows 0 … mc_paths − 1); the design's points follow.
    pub mc_paths: u64,
    /// N.
    pub base_paths: u64,
    /// N·(k + 2).
    pub points: u64,
}

impl PathsHeader {
    pub fn of(contract: &Contract, sim: &Simulation) -> Self {
        let design = sim.config.sobol().map(|s| DesignHeader {
            mc_paths: sim.config.n_paths(),
            base_paths: s.base_paths,
            points: sim.config.total_rows() - sim.config.n_paths(),
        });
        PathsHeader {
            format: if design.is_some() {
                SOBOL_FORMAT
            } else {
                FORMAT
            },
            writer: concat!("offtake-risk ", env!("CARGO_PKG_VERSION")).to_string(),
            deal_id: contract.deal.id.clone(),
            contract_fingerprint: contract_fingerprint(contract),
            seed: sim.config.seed(),
            n_paths: sim.config.total_rows(),
            shard_index: sim.config.shard().index,
            shard_count: sim.config.shard().count,
            rows: sim.table.len() as u64,
            partial: sim.partial,
            layout: sim.table.layout().clone(),
            design,
        }
    }

    pub fn shard(&self) -> Shard {
        Shard {
            index: self.shard_index,
            count: self.shard_count,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Physical {
    Int64,
    Int32,
    Double,
    Bool,
}

#[derive(Debug, Clone, Copy)]
enum Source {
    PathIdx,
    /// Index into a row's values.
    Value(usize),
    /// Index into a row's flags.
    Flag(usize),
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    physical: Physical,
    optional: bool,
    source: Source,
}

fn columns(layout: &Layout) -> Vec<Column> {
    let col = |name: String, physical, optional, source| Column {
        name,
        physical,
        optional,
        source,
    };
    let mut out = vec![col(
        "path_idx".into(),
        Physical::Int64,
        false,
        Source::PathIdx,
    )];
    let nm = PathMetric::ALL.len();
    if layout.factors {
        for (j, name) in [
            "demand_factor",
            "power_factor",
            "capex_factor",
            "resale_factor",
        ]
        .iter()
        .enumerate()
        {
            out.push(col(
                (*name).into(),
                Physical::Double,
                false,
                Source::Value(nm + j),
            ));
        }
        let nt = layout.tranche_ids.len();
        for (k, id) in layout.tranche_ids.iter().enumerate() {
            out.push(col(
                format!("delay_months_{id}"),
                Physical::Int32,
                false,
                Source::Value(nm + 4 + k),
            ));
        }
        for (g, name) in layout.generation_names.iter().enumerate() {
            out.push(col(
                format!("slip_months_{name}"),
                Physical::Int32,
                false,
                Source::Value(nm + 4 + nt + g),
            ));
        }
        for (c, id) in layout.credit_parties.iter().enumerate() {
            out.push(col(
                format!("default_period_{id}"),
                Physical::Int32,
                true,
                Source::Value(layout.default_period_col(c)),
            ));
        }
    }
    for m in PathMetric::ALL {
        let physical = if m.is_months() {
            Physical::Int32
        } else {
            Physical::Double
        };
        out.push(col(
            m.name().into(),
            physical,
            m.optional(),
            Source::Value(m as usize),
        ));
    }
    for v in Verdict::ALL {
        out.push(col(
            v.name().into(),
            Physical::Bool,
            false,
            Source::Flag(v as usize),
        ));
    }
    for (j, id) in layout.option_ids().enumerate() {
        out.push(col(
            format!("option_exercised_{id}"),
            Physical::Bool,
            false,
            Source::Flag(layout.option_flag(j)),
        ));
    }
    for (e, id) in layout.equity_ids.iter().enumerate() {
        out.push(col(
            format!("equity_paid_{id}"),
            Physical::Bool,
            false,
            Source::Flag(layout.equity_flag(e)),
        ));
    }
    for (c, id) in layout.credit_parties.iter().enumerate() {
        out.push(col(
            format!("default_{id}"),
            Physical::Bool,
            false,
            Source::Flag(layout.default_flag(c)),
        ));
    }
    out.push(col(
        "payment_default_tested".into(),
        Physical::Bool,
        false,
        Source::Flag(layout.payment_tested_flag()),
    ));
    out.push(col(
        "payment_default".into(),
        Physical::Bool,
        false,
        Source::Flag(layout.payment_default_flag()),
    ));
    out
}

fn physical_type(p: Physical) -> PhysicalType {
    match p {
        Physical::Int64 => PhysicalType::INT64,
        Physical::Int32 => PhysicalType::INT32,
        Physical::Double => PhysicalType::DOUBLE,
        Physical::Bool => PhysicalType::BOOLEAN,
    }
}

/// Writes `sim`'s rows with its header to `out` (the caller opens, and after this returns
/// flushes and renames, the file; `out` is buffered here).
pub fn write_paths<W: Write + Send>(out: W, contract: &Contract, sim: &Simulation) -> Result<()> {
    let header = PathsHeader::of(contract, sim);
    write_table(out, &header, &sim.table)
}

fn write_table<W: Write + Send>(out: W, header: &PathsHeader, table: &PathTable) -> Result<()> {
    let pq = |source| Error::WritePaths { source };
    let cols = columns(table.layout());
    let fields = cols
        .iter()
        .map(|c| {
            Type::primitive_type_builder(&c.name, physical_type(c.physical))
                .with_repetition(if c.optional {
                    Repetition::OPTIONAL
                } else {
                    Repetition::REQUIRED
                })
                .build()
                .map(Arc::new)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(pq)?;
    let schema = Type::group_type_builder("offtake_paths")
        .with_fields(fields)
        .build()
        .map_err(pq)?;
    let header_json = serde_json::to_string(header)
        .map_err(|e| pq(parquet::errors::ParquetError::General(e.to_string())))?;
    let header_hash = xxh64(header_json.as_bytes());
    // Statistics per column chunk only and no offset index: nothing but the footer follows the
    // pages, so the data checksum covers every byte before the footer.
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_offset_index_disabled(true)
        .set_key_value_metadata(Some(vec![KeyValue::new(
            HEADER_KEY.to_string(),
            header_json,
        )]))
        .build();
    let out = Hashing {
        inner: out,
        hasher: twox_hash::XxHash64::with_seed(0),
        bytes: 0,
    };
    let mut writer =
        SerializedFileWriter::new(out, Arc::new(schema), Arc::new(props)).map_err(pq)?;
    let mut start = 0;
    // An empty file still gets its schema and header (an interrupted shard may have no rows).
    while start < table.len() {
        let end = (start + ROW_GROUP_ROWS).min(table.len());
        let mut rg = writer.next_row_group().map_err(pq)?;
        for c in &cols {
            let Some(mut cw) = rg.next_column().map_err(pq)? else {
                break;
            };
            let rows = start..end;
            let defs: Option<Vec<i16>> = c.optional.then(|| {
                rows.clone()
                    .map(|r| i16::from(!table.raw_value(r, source_col(c.source)).is_nan()))
                    .collect()
            });
            let present =
                |r: &usize| !c.optional || !table.raw_value(*r, source_col(c.source)).is_nan();
            match (c.physical, c.source) {
                (Physical::Int64, _) => {
                    let v: Vec<i64> = rows.map(|r| table.path_idx(r) as i64).collect();
                    cw.typed::<Int64Type>().write_batch(&v, None, None)
                }
                (Physical::Int32, Source::Value(j)) => {
                    let v: Vec<i32> = rows
                        .filter(present)
                        .map(|r| table.raw_value(r, j) as i32)
                        .collect();
                    cw.typed::<Int32Type>()
                        .write_batch(&v, defs.as_deref(), None)
                }
                (Physical::Double, Source::Value(j)) => {
                    let v: Vec<f64> = rows
                        .filter(present)
                        .map(|r| table.raw_value(r, j))
                        .collect();
                    cw.typed::<DoubleType>()
                        .write_batch(&v, defs.as_deref(), None)
                }
                (Physical::Bool, Source::Flag(j)) => {
                    let v: Vec<bool> = rows.map(|r| table.raw_flag(r, j)).collect();
                    cw.typed::<BoolType>().write_batch(&v, None, None)
                }
                _ => unreachable_column(),
            }
            .map_err(pq)?;
            cw.close().map_err(pq)?;
        }
        rg.close().map_err(pq)?;
        start = end;
    }
    // Everything before the footer has reached the hashing writer once the buffer is flushed.
    writer.flush().map_err(|e| pq(e.into()))?;
    let data = writer.inner();
    let checksum = Checksum {
        algorithm: XXH64.to_string(),
        data_bytes: data.bytes,
        data: hex64(data.hasher.finish()),
        header: header_hash,
    };
    let checksum_json = serde_json::to_string(&checksum)
        .map_err(|e| pq(parquet::errors::ParquetError::General(e.to_string())))?;
    writer.append_key_value_metadata(KeyValue::new(CHECKSUM_KEY.to_string(), checksum_json));
    writer.close().map_err(pq)?;
    Ok(())
}

fn source_col(s: Source) -> usize {
    match s {
        Source::Value(j) | Source::Flag(j) => j,
        Source::PathIdx => 0,
    }
}

/// `columns` pairs Int64 only with PathIdx, Int32/Double with values and Bool with flags.
fn unreachable_column() -> parquet::errors::Result<usize> {
    Err(parquet::errors::ParquetError::General(
        "internal: column source does not match its type".into(),
    ))
}

/// Reads the header of a paths file (verified against its checksums, which reads the whole
/// file once); `name` is the file's name in messages.
pub fn read_header<R: ChunkReader + 'static>(name: &Path, file: R) -> Result<PathsHeader> {
    Ok(open(name, file)?.1)
}

/// Opens a paths file: checks that it is Parquet, hashes its row data, reads its header and
/// verifies both checksums.
fn open<R: ChunkReader + 'static>(
    name: &Path,
    file: R,
) -> Result<(SerializedFileReader<R>, PathsHeader)> {
    let damaged = |source| Error::Parquet {
        path: name.to_path_buf(),
        source,
    };
    let altered = |what: &'static str| Error::Altered {
        path: name.to_path_buf(),
        what,
    };
    // A Parquet file starts and ends with `PAR1`; the 4 bytes before the last are the footer's
    // length.
    let len = file.len();
    let not_parquet = || Error::NotParquet {
        path: name.to_path_buf(),
    };
    if len < 12 {
        return Err(not_parquet());
    }
    let head = file.get_bytes(0, 4).map_err(damaged)?;
    let tail = file.get_bytes(len - 8, 8).map_err(damaged)?;
    if head.as_ref() != b"PAR1" {
        return Err(not_parquet());
    }
    if tail.get(4..) != Some(b"PAR1".as_slice()) {
        return Err(altered("it is cut short (no Parquet footer at its end)"));
    }
    let mut footer_len = [0u8; 4];
    footer_len.copy_from_slice(&tail[..4]);
    let data_bytes = (len - 8)
        .checked_sub(u64::from(u32::from_le_bytes(footer_len)))
        .ok_or_else(|| altered("its footer length points outside the file"))?;
    let data_hash = hash_prefix(&file, data_bytes).map_err(damaged)?;
    let reader = SerializedFileReader::new(file).map_err(damaged)?;
    let (header_json, header) = header_of(name, &reader)?;
    let checksum = key_value(&reader, CHECKSUM_KEY).ok_or_else(|| altered("it has no checksum"))?;
    let checksum: Checksum =
        serde_json::from_str(&checksum).map_err(|_| altered("its checksum is unreadable"))?;
    if checksum.algorithm != XXH64 {
        return Err(altered("its checksum algorithm is unknown"));
    }
    if checksum.header != xxh64(header_json.as_bytes()) {
        return Err(altered(
            "its header does not match the checksum written with it",
        ));
    }
    if checksum.data_bytes != data_bytes || checksum.data != hex64(data_hash) {
        return Err(altered(
            "its rows do not match the checksum written with them",
        ));
    }
    Ok((reader, header))
}

/// XXH64 of the first `n` bytes of `file`.
fn hash_prefix<R: ChunkReader>(file: &R, n: u64) -> parquet::errors::Result<u64> {
    let mut hasher = twox_hash::XxHash64::with_seed(0);
    let mut input = file.get_read(0)?.take(n);
    let mut buf = vec![0u8; 1 << 20];
    let mut seen = 0u64;
    loop {
        let got = input.read(&mut buf)?;
        if got == 0 {
            break;
        }
        hasher.write(&buf[..got]);
        seen += got as u64;
    }
    if seen != n {
        return Err(parquet::errors::ParquetError::EOF(format!(
            "{seen} bytes before the footer, expected {n}"
        )));
    }
    Ok(hasher.finish())
}

fn key_value<R: ChunkReader + 'static>(
    reader: &SerializedFileReader<R>,
    key: &str,
) -> Option<String> {
    reader
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .and_then(|kvs| kvs.iter().find(|kv| kv.key == key))
        .and_then(|kv| kv.value.clone())
}

/// The header's JSON as stored, and the header (of this format).
fn header_of<R: ChunkReader + 'static>(
    path: &Path,
    reader: &SerializedFileReader<R>,
) -> Result<(String, PathsHeader)> {
    let not = |reason: String| Error::NotAPathsFile {
        path: path.to_path_buf(),
        reason,
    };
    let kv =
        key_value(reader, HEADER_KEY).ok_or_else(|| not(format!("no `{HEADER_KEY}` metadata")))?;
    let value: serde_json::Value =
        serde_json::from_str(&kv).map_err(|e| not(format!("bad header: {e}")))?;
    let format = value.get("format").and_then(serde_json::Value::as_u64);
    if format != Some(u64::from(FORMAT)) && format != Some(u64::from(SOBOL_FORMAT)) {
        return Err(Error::FormatVersion {
            path: path.to_path_buf(),
            found: format.and_then(|f| u32::try_from(f).ok()).unwrap_or(0),
            expected: FORMAT,
        });
    }
    let header: PathsHeader =
        serde_json::from_value(value).map_err(|e| not(format!("bad header: {e}")))?;
    if (header.format == SOBOL_FORMAT) != header.design.is_some() {
        return Err(not(format!(
            "bad header: format {} {} a Sobol design",
            header.format,
            if header.design.is_some() {
                "with"
            } else {
                "without"
            }
        )));
    }
    Ok((kv, header))
}

/// Reads a paths file: its header and rows (checked against the columns the header implies);
/// `name` is the file's name in messages.
pub fn read_paths<R: ChunkReader + 'static>(
    name: &Path,
    file: R,
) -> Result<(PathsHeader, PathTable)> {
    let (reader, header) = open(name, file)?;
    let table = read_table(name, &reader, &header)?;
    Ok((header, table))
}

/// The rows of an open paths file whose header is `header`.
fn read_table<R: ChunkReader + 'static>(
    path: &Path,
    reader: &SerializedFileReader<R>,
    header: &PathsHeader,
) -> Result<PathTable> {
    let pq = |source| Error::Parquet {
        path: path.to_path_buf(),
        source,
    };
    let bad = |column: &str, problem: String| Error::BadColumn {
        path: path.to_path_buf(),
        column: column.to_string(),
        problem,
    };
    let cols = columns(&header.layout);
    let schema = reader.metadata().file_metadata().schema_descr();
    if schema.num_columns() != cols.len() {
        return Err(bad(
            "*",
            format!(
                "count is {}, but the header implies {}",
                schema.num_columns(),
                cols.len()
            ),
        ));
    }
    for (j, c) in cols.iter().enumerate() {
        let d = schema.column(j);
        if d.name() != c.name
            || d.physical_type() != physical_type(c.physical)
            || (d.max_def_level() > 0) != c.optional
            || d.max_rep_level() != 0
        {
            return Err(bad(
                d.name(),
                format!("is not the expected column `{}`", c.name),
            ));
        }
    }
    let total: i64 = reader.metadata().file_metadata().num_rows();
    let rows = usize::try_from(total).map_err(|_| bad("*", format!("bad row count {total}")))?;
    if rows as u64 != header.rows {
        return Err(bad(
            "*",
            format!("holds {rows} rows, but the header says {}", header.rows),
        ));
    }
    let mut table = PathTable::with_rows(header.layout.clone(), rows)?;
    let mut first = 0usize;
    for g in 0..reader.num_row_groups() {
        let rg = reader.get_row_group(g).map_err(pq)?;
        let n = usize::try_from(rg.metadata().num_rows()).unwrap_or(0);
        if first + n > rows {
            return Err(bad("*", "row groups hold more rows than the file".into()));
        }
        for (j, c) in cols.iter().enumerate() {
            let reader = rg.get_column_reader(j).map_err(pq)?;
            let mut defs: Vec<i16> = Vec::new();
            let wrong = || bad(&c.name, "has an unexpected type".into());
            match (reader, c.source) {
                (ColumnReader::Int64ColumnReader(mut r), Source::PathIdx) => {
                    let mut v: Vec<i64> = Vec::with_capacity(n);
                    read_all(&mut r, n, None, &mut v).map_err(pq)?;
                    check_len(&c.name, v.len(), n).map_err(|p| bad(&c.name, p))?;
                    for (k, x) in v.into_iter().enumerate() {
                        table.set_path_idx(first + k, u64::try_from(x).unwrap_or(u64::MAX));
                    }
                }
                (ColumnReader::Int32ColumnReader(mut r), Source::Value(col)) => {
                    let mut v: Vec<i32> = Vec::with_capacity(n);
                    read_all(&mut r, n, c.optional.then_some(&mut defs), &mut v).map_err(pq)?;
                    let filled =
                        spread(&c.name, n, c.optional, &defs, v.into_iter().map(f64::from))
                            .map_err(|p| bad(&c.name, p))?;
                    for (k, x) in filled.into_iter().enumerate() {
                        table.set_raw_value(first + k, col, x);
                    }
                }
                (ColumnReader::DoubleColumnReader(mut r), Source::Value(col)) => {
                    let mut v: Vec<f64> = Vec::with_capacity(n);
                    read_all(&mut r, n, c.optional.then_some(&mut defs), &mut v).map_err(pq)?;
                    let filled = spread(&c.name, n, c.optional, &defs, v.into_iter())
                        .map_err(|p| bad(&c.name, p))?;
                    for (k, x) in filled.into_iter().enumerate() {
                        table.set_raw_value(first + k, col, x);
                    }
                }
                (ColumnReader::BoolColumnReader(mut r), Source::Flag(col)) => {
                    let mut v: Vec<bool> = Vec::with_capacity(n);
                    read_all(&mut r, n, None, &mut v).map_err(pq)?;
                    check_len(&c.name, v.len(), n).map_err(|p| bad(&c.name, p))?;
                    for (k, x) in v.into_iter().enumerate() {
                        table.set_raw_flag(first + k, col, x);
                    }
                }
                _ => return Err(wrong()),
            }
        }
        first += n;
    }
    if first != rows {
        return Err(bad("*", "row groups hold fewer rows than the file".into()));
    }
    Ok(table)
}

/// Reads `n` records (looping: a call may return fewer).
fn read_all<T: parquet::data_type::DataType>(
    r: &mut parquet::column::reader::ColumnReaderImpl<T>,
    n: usize,
    mut defs: Option<&mut Vec<i16>>,
    values: &mut Vec<T::T>,
) -> parquet::errors::Result<()> {
    let mut got = 0;
    while got < n {
        let (records, _, _) = r.read_records(n - got, defs.as_deref_mut(), None, values)?;
        if records == 0 {
            break;
        }
        got += records;
    }
    Ok(())
}

fn check_len(name: &str, got: usize, want: usize) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{name}: {got} values for {want} rows"))
    }
}

/// Places the non-null values of an optional column at their rows (NaN = null).
fn spread(
    name: &str,
    n: usize,
    optional: bool,
    defs: &[i16],
    mut values: impl ExactSizeIterator<Item = f64>,
) -> Result<Vec<f64>, String> {
    if !optional {
        check_len(name, values.len(), n)?;
        return Ok(values.collect());
    }
    check_len(name, defs.len(), n)?;
    let present = defs.iter().filter(|d| **d > 0).count();
    check_len(name, values.len(), present)?;
    Ok(defs
        .iter()
        .map(|d| {
            if *d > 0 {
                values.next().unwrap_or(f64::NAN)
            } else {
                f64::NAN
            }
        })
        .collect())
}

/// Merges the paths files of every shard of one run of `contract` (each with its name for
/// messages) into the simulation a single run gives (rows in path order, without factors).
/// Refuses files of another term sheet, seed, path count or shard count, interrupted shards,
/// duplicates and gaps.
pub fn merge<R: ChunkReader + 'static>(
    contract: &Contract,
    shards: Vec<(PathBuf, R)>,
) -> Result<Simulation> {
    merge_keeping(contract, shards, false)
}

/// [`merge`], keeping the factors drawn in each row (as a single run with `keep_factors`), for
/// the drivers ([`crate::drivers`]); refuses a file without factor columns. The table then
/// equals the single run's with factors, cell for cell.
pub fn merge_with_factors<R: ChunkReader + 'static>(
    contract: &Contract,
    shards: Vec<(PathBuf, R)>,
) -> Result<Simulation> {
    merge_keeping(contract, shards, true)
}

fn merge_keeping<R: ChunkReader + 'static>(
    contract: &Contract,
    shards: Vec<(PathBuf, R)>,
    keep_factors: bool,
) -> Result<Simulation> {
    let (files, readers): (Vec<PathBuf>, Vec<R>) = shards.into_iter().unzip();
    let first = files.first().ok_or(Error::NothingToMerge)?;
    let (readers, headers): (Vec<_>, Vec<_>) = files
        .iter()
        .zip(readers)
        .map(|(f, r)| open(f, r))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .unzip();
    let fingerprint = contract_fingerprint(contract);
    let reference = &headers[0];
    let expected_layout = Layout::new(contract, reference.layout.factors);
    // Every shard must be given once, so a valid set has exactly `shard_count` files.
    let count = reference.shard_count;
    if count > files.len() as u64 {
        let present: std::collections::BTreeSet<u64> =
            headers.iter().map(|h| h.shard_index).collect();
        return Err(Error::MissingShards {
            missing: (0..count)
                .filter(|i| !present.contains(i))
                .take(32)
                .collect(),
            count,
        });
    }
    let mut owner: Vec<Option<usize>> = vec![None; count as usize];
    for (n, (f, h)) in files.iter().zip(&headers).enumerate() {
        if h.contract_fingerprint != fingerprint {
            return Err(Error::ContractMismatch {
                path: f.clone(),
                expected: fingerprint,
                found: h.contract_fingerprint.clone(),
            });
        }
        let mismatch = |what: &'static str, expected: String, found: String| Error::ShardMismatch {
            path: f.clone(),
            reference: first.clone(),
            what,
            expected,
            found,
        };
        if h.seed != reference.seed {
            return Err(mismatch(
                "the seed",
                reference.seed.to_string(),
                h.seed.to_string(),
            ));
        }
        if h.design != reference.design {
            let show = |d: &Option<DesignHeader>| {
                d.as_ref().map_or("none".to_string(), |d| {
                    format!("{} paths and {} base paths", d.mc_paths, d.base_paths)
                })
            };
            return Err(mismatch(
                "the Sobol design",
                show(&reference.design),
                show(&h.design),
            ));
        }
        if h.n_paths != reference.n_paths {
            return Err(mismatch(
                "the number of paths",
                reference.n_paths.to_string(),
                h.n_paths.to_string(),
            ));
        }
        if h.shard_count != reference.shard_count {
            return Err(mismatch(
                "the number of shards",
                reference.shard_count.to_string(),
                h.shard_count.to_string(),
            ));
        }
        let mut layout = h.layout.clone();
        layout.factors = expected_layout.factors;
        if layout != expected_layout {
            return Err(Error::BadColumn {
                path: f.clone(),
                column: "*".into(),
                problem: "do not match the term sheet's tranches, generations or equity".into(),
            });
        }
        if h.partial {
            return Err(Error::PartialShard { path: f.clone() });
        }
        if keep_factors && !h.layout.factors {
            return Err(Error::ShardWithoutFactors { path: f.clone() });
        }
        let shard = Shard::new(h.shard_index, h.shard_count)?;
        if h.rows != shard.n_paths(h.n_paths) {
            return Err(Error::PartialShard { path: f.clone() });
        }
        let slot = owner.get_mut(shard.index as usize).ok_or(Error::BadShard {
            index: shard.index,
            count: shard.count,
        })?;
        if let Some(prev) = slot {
            return Err(Error::DuplicateShard {
                index: shard.index,
                count: shard.count,
                first: files[*prev].clone(),
                second: f.clone(),
            });
        }
        *slot = Some(n);
    }
    let missing: Vec<u64> = owner
        .iter()
        .enumerate()
        .filter(|(_, o)| o.is_none())
        .map(|(i, _)| i as u64)
        .collect();
    if !missing.is_empty() {
        return Err(Error::MissingShards { missing, count });
    }
    let n_paths = reference.n_paths;
    let rows = usize::try_from(n_paths).map_err(|_| Error::PathCount {
        paths: n_paths,
        max: offtake_model::RiskSpec::MAX_PATHS,
    })?;
    let mut merged = PathTable::with_rows(Layout::new(contract, keep_factors), rows)?;
    let mut filled = crate::table::try_vec(rows, false).ok_or(Error::OutOfMemory {
        rows: n_paths,
        bytes: n_paths,
        bytes_per_row: 1,
    })?;
    // One shard in memory at a time next to the merged table.
    for ((f, reader), h) in files.iter().zip(&readers).zip(&headers) {
        let table = read_table(f, reader, h)?;
        let shard = h.shard();
        for r in 0..table.len() {
            let i = table.path_idx(r);
            let expected = shard.path_idx(r as u64);
            if i != expected {
                return Err(Error::BadPathIndex {
                    path: f.clone(),
                    path_idx: i,
                    problem: "is out of place for its shard",
                });
            }
            let pos = i as usize;
            if filled[pos] {
                return Err(Error::BadPathIndex {
                    path: f.clone(),
                    path_idx: i,
                    problem: "appears twice",
                });
            }
            filled[pos] = true;
            merged.copy_row(pos, i, &table, r);
        }
    }
    Ok(Simulation {
        config: match &reference.design {
            None => RunConfig::whole(contract, reference.seed, n_paths, None, keep_factors)?,
            Some(d) => {
                let config = RunConfig::whole(
                    contract,
                    reference.seed,
                    d.mc_paths,
                    Some(crate::sobol::SobolSpec {
                        base_paths: d.base_paths,
                    }),
                    keep_factors,
                )?;
                if config.total_rows() != n_paths {
                    return Err(Error::BadColumn {
                        path: first.clone(),
                        column: "*".into(),
                        problem: "hold a Sobol design of another size than the term sheet's".into(),
                    });
                }
                config
            }
        },
        table: merged,
        partial: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{Control, RunOptions, simulate};
    use bytes::Bytes;

    fn written(header: &PathsHeader, table: &PathTable) -> Bytes {
        let mut out = Vec::new();
        write_table(&mut out, header, table).unwrap();
        Bytes::from(out)
    }

    #[test]
    fn files_of_another_format_are_refused_by_read_and_merge() {
        let contract =
            offtake_model::parse(include_str!("../../../examples/amazon-anthropic-2026.toml"))
                .unwrap();
        let options = RunOptions {
            n_paths: Some(10),
            threads: Some(1),
            keep_factors: true,
            ..RunOptions::default()
        };
        let config = RunConfig::new(&contract, options).unwrap();
        let sim = simulate(&contract, &config, Control::default()).unwrap();
        let current = written(&PathsHeader::of(&contract, &sim), &sim.table);
        let name = Path::new("current.parquet");
        assert_eq!(read_header(name, current.clone()).unwrap().format, FORMAT);
        // A file written while path generators were ChaCha8 (format 1).
        let header = PathsHeader {
            format: 1,
            ..PathsHeader::of(&contract, &sim)
        };
        let old = written(&header, &sim.table);
        let refused = |e: Error| {
            matches!(
                e,
                Error::FormatVersion {
                    found: 1,
                    expected: FORMAT,
                    ..
                }
            ) && e.to_string().contains("format 1")
        };
        assert!(refused(
            read_header(Path::new("old"), old.clone()).unwrap_err()
        ));
        let shards = vec![(name.to_path_buf(), current), (PathBuf::from("old"), old)];
        assert!(refused(merge(&contract, shards).unwrap_err()));
    }

    /// Every column chunk of every row group carries min/max statistics (and a null count) in
    /// the footer, equal to the minimum and maximum of that row group's rows: an engine can skip
    /// a row group on `provider_npv < 0` or `delay_months_phase-1 > 6` from the footer alone.
    /// Factor columns that do not vary on this deal (no slip for Trainium2) are kept, with
    /// min = max, so every file of a term sheet has the same columns (docs/risk.md).
    #[test]
    fn every_row_group_has_min_max_statistics_that_match_its_rows() {
        use parquet::file::statistics::Statistics;
        let contract =
            offtake_model::parse(include_str!("../../../examples/amazon-anthropic-2026.toml"))
                .unwrap();
        // More than one row group: 65,536 rows and the rest.
        let n_paths = ROW_GROUP_ROWS as u64 + 1_000;
        let options = RunOptions {
            n_paths: Some(n_paths),
            threads: Some(2),
            keep_factors: true,
            ..RunOptions::default()
        };
        let config = RunConfig::new(&contract, options).unwrap();
        let sim = simulate(&contract, &config, Control::default()).unwrap();
        let bytes = written(&PathsHeader::of(&contract, &sim), &sim.table);
        let reader = SerializedFileReader::new(bytes).unwrap();
        let meta = reader.metadata();
        assert_eq!(meta.num_row_groups(), 2);
        let cols = columns(sim.table.layout());
        let table = &sim.table;
        let mut constant = Vec::new();
        let mut start = 0;
        for g in 0..meta.num_row_groups() {
            let rg = meta.row_group(g);
            let rows = start..start + rg.num_rows() as usize;
            for (i, c) in cols.iter().enumerate() {
                let stats = rg
                    .column(i)
                    .statistics()
                    .unwrap_or_else(|| panic!("{}: no statistics", c.name));
                // The rows' values as f64 (NaN = null), from the table the file was written from.
                let values: Vec<f64> = rows
                    .clone()
                    .map(|r| match c.source {
                        Source::PathIdx => table.path_idx(r) as f64,
                        Source::Value(j) => table.raw_value(r, j),
                        Source::Flag(j) => f64::from(u8::from(table.raw_flag(r, j))),
                    })
                    .collect();
                let present: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
                let nulls = (values.len() - present.len()) as u64;
                assert_eq!(stats.null_count_opt(), Some(nulls), "{} nulls", c.name);
                let (min, max) = match stats {
                    Statistics::Int64(s) => (
                        s.min_opt().map(|v| *v as f64),
                        s.max_opt().map(|v| *v as f64),
                    ),
                    Statistics::Int32(s) => (
                        s.min_opt().map(|v| f64::from(*v)),
                        s.max_opt().map(|v| f64::from(*v)),
                    ),
                    Statistics::Double(s) => (s.min_opt().copied(), s.max_opt().copied()),
                    Statistics::Boolean(s) => (
                        s.min_opt().map(|v| f64::from(u8::from(*v))),
                        s.max_opt().map(|v| f64::from(u8::from(*v))),
                    ),
                    other => panic!("{}: unexpected statistics {other:?}", c.name),
                };
                if present.is_empty() {
                    assert_eq!((min, max), (None, None), "{}: all null", c.name);
                    continue;
                }
                let want_min = present.iter().copied().fold(f64::INFINITY, f64::min);
                let want_max = present.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                assert_eq!(min, Some(want_min), "{} min in row group {g}", c.name);
                assert_eq!(max, Some(want_max), "{} max in row group {g}", c.name);
                if g == 0 && want_min == want_max && c.name.starts_with("slip_months_") {
                    constant.push(c.name.clone());
                }
            }
            start = rows.end;
        }
        assert_eq!(start, table.len());
        // The kept constant column: Trainium2 chips are delivered, they never slip.
        assert_eq!(constant, vec!["slip_months_Trainium2".to_string()]);
    }
}
