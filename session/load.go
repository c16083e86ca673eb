package session

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
)

// loadResult is the index read from a file.
type loadResult struct {
	entries []*entry // in Seq order
	maxSeq  int64
	skipped []error // rows whose metadata could not be decoded
	ctypes  ctypes  // shared by the entries' light snapshots
	compact *compactor
	// msgStats are the flows' message counts, and msgTable says whether
	// the file has the messages tables (messages_file.go).
	msgStats map[string]*MessageStats
	msgTable bool
}

// loadBatch is a run of rows read from the file, their metadata copied
// into one buffer: row i's is buf[ends[i-1]:ends[i]].
type loadBatch struct {
	ids  []string
	seqs []int64
	ends []int
	buf  []byte
	// total is the number of rows in the file (readMetasCounted).
	total int
}

const loadBatchSize = 512

// loadFlows reads every flow's metadata, not its bodies, as light
// snapshots.
func loadFlows(ctx context.Context, db *sql.DB) (*loadResult, error) {
	res := &loadResult{ctypes: ctypes{}, compact: newCompactor()}
	dec := newMetaDecoder()
	dec.light = res.ctypes // every flow loaded is in the file
	err := readMetas(ctx, db, func(b *loadBatch) {
		for _, seq := range b.seqs { // undecodable rows' too: no Seq is reused
			res.maxSeq = max(res.maxSeq, seq)
		}
		res.decode(dec, b)
	})
	if err != nil {
		return nil, fmt.Errorf("read flows: %w", err)
	}
	// Rows come in insertion order, which is almost Seq order.
	slices.SortStableFunc(res.entries, func(a, b *entry) int {
		return cmp.Compare(a.seq(), b.seq())
	})
	return res, nil
}

// readMetas reads the id, seq and metadata of every row and hands them to
// use in batches, on a second goroutine: reading rows and decoding them
// take about as long each. Batches are reused once use returns.
//
// Rows come in the file's order, which is Seq order: the writer inserts a
// commit's new flows sorted by Seq, after every flow of earlier commits.
func readMetas(ctx context.Context, db *sql.DB, use func(b *loadBatch)) error {
	return scanMetas(ctx, db, false, use)
}

// readMetasCounted is readMetas, and each batch also says how many rows
// the file holds, counted in the same read transaction (a scan of the ID
// index: ~20 ms a million rows).
func readMetasCounted(ctx context.Context, db *sql.DB, use func(b *loadBatch)) error {
	read := 0 // written by use's goroutine, which scanMetas waits for
	err := scanMetas(ctx, db, true, func(b *loadBatch) {
		read += len(b.ids)
		use(b)
	})
	if err != nil && read == 0 && ctx.Err() == nil {
		// The count reads the ID index: a damaged index failed the read
		// before its first row, though the table itself may read well.
		// Without the count, the rows come with a total of 0 (unknown).
		return readMetas(ctx, db, use)
	}
	return err
}

func scanMetas(ctx context.Context, db *sql.DB, count bool, use func(b *loadBatch)) error {
	q := "SELECT id, seq, meta FROM flows"
	if count {
		q = "SELECT id, seq, meta, (SELECT count(*) FROM flows) FROM flows"
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()

	full := make(chan *loadBatch, 4)
	free := make(chan *loadBatch, 4)
	used := make(chan struct{})
	go func() {
		defer close(used)
		for b := range full {
			use(b)
			select {
			case free <- b:
			default:
			}
		}
	}()

	var scanErr error
	b := &loadBatch{}
	for rows.Next() {
		var id string
		var seq int64
		var meta sql.RawBytes
		if count {
			scanErr = rows.Scan(&id, &seq, &meta, &b.total)
		} else {
			scanErr = rows.Scan(&id, &seq, &meta)
		}
		if scanErr != nil {
			break
		}
		b.ids, b.seqs = append(b.ids, id), append(b.seqs, seq)
		b.buf = append(b.buf, meta...)
		b.ends = append(b.ends, len(b.buf))
		if len(b.ids) == loadBatchSize {
			full <- b
			select {
			case b = <-free:
				b.ids, b.seqs, b.ends, b.buf = b.ids[:0], b.seqs[:0], b.ends[:0], b.buf[:0]
			default:
				b = &loadBatch{}
			}
		}
	}
	if len(b.ids) > 0 {
		full <- b
	}
	close(full)
	<-used
	if scanErr == nil {
		scanErr = rows.Err()
	}
	return scanErr
}

// decode adds the flows of one batch to res.entries; it runs on the
// decoding goroutine, which alone touches entries and skipped.
func (res *loadResult) decode(dec *metaDecoder, b *loadBatch) {
	start := 0
	for i, id := range b.ids {
		meta := b.buf[start:b.ends[i]]
		start = b.ends[i]
		if r := res.compactRow(dec, meta, id, b.seqs[i]); r != nil {
			e := res.compact.newEntry() // side by side with the entries before it (compact.go)
			e.setID(id)
			e.row.Store(r)
			res.entries = append(res.entries, e)
			continue
		}
		f, err := dec.decode(meta)
		if err != nil {
			res.skipped = append(res.skipped, fmt.Errorf("flow %s: decode metadata: %w", id, err))
			continue
		}
		f.ID, f.Seq = id, b.seqs[i]
		e := res.compact.newEntry() // side by side with the entries before it (compact.go)
		e.setID(id)
		if r, ok := res.compact.row(f, nil); ok {
			e.row.Store(r)
		} else {
			e.meta.Store(f)
		}
		res.entries = append(res.entries, e)
	}
}

// compactRow decodes meta, the metadata of the flow id with Seq seq,
// straight into a compact row (dec.decodeScratch): nil when the flow is
// not a plain one, or does not decode, and is to be decoded in full.
func (res *loadResult) compactRow(dec *metaDecoder, meta []byte, id string, seq int64) *compactRow {
	f, err := dec.decodeScratch(meta)
	if err != nil {
		return nil
	}
	f.ID, f.Seq = id, seq
	r, ok := res.compact.row(f, nil)
	if !ok {
		return nil
	}
	return r
}
