package session

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ReadHAR decodes a HAR document (version 1.1 or 1.2, as Chrome, Firefox,
// Charles, HTTP Toolkit and siphon write it) from r and calls fn with each
// entry as a flow, in file order: Source Imported, bodies loaded, ID set
// when the file came from siphon (empty otherwise). Entries are decoded one
// at a time, so a large file is read in bounded memory.
//
// It returns how many flows fn accepted. A malformed document, an entry
// that cannot be a flow, or an error from fn stops it with an error that
// names the entry (counted from 0) and what is wrong.
func ReadHAR(r io.Reader, fn func(f *Flow) error) (int, error) {
	return readHAR(r, func(f *Flow, _ []Message) error { return fn(f) })
}

func readHAR(r io.Reader, fn func(f *Flow, msgs []Message) error) (int, error) {
	d := &harDecoder{dec: json.NewDecoder(bufio.NewReaderSize(r, 64<<10))}
	n, err := d.document(fn)
	if err != nil {
		return n, fmt.Errorf("read HAR: %w", err)
	}
	return n, nil
}

type harDecoder struct {
	dec     *json.Decoder
	entries bool // saw log.entries
}

// document walks {"log": {..., "entries": [...]}} and skips everything else.
func (d *harDecoder) document(fn func(*Flow, []Message) error) (int, error) {
	n := 0
	err := d.object("the document", func(key string) error {
		if key != "log" {
			return d.skip()
		}
		return d.object("log", func(key string) error {
			if key != "entries" {
				return d.skip()
			}
			d.entries = true
			var err error
			n, err = d.entryList(fn)
			return err
		})
	})
	if err != nil {
		return n, err
	}
	if !d.entries {
		return 0, errors.New("not a HAR file: no log.entries")
	}
	return n, nil
}

func (d *harDecoder) entryList(fn func(*Flow, []Message) error) (int, error) {
	if err := d.delim('[', "log.entries"); err != nil {
		return 0, err
	}
	n := 0
	for i := 0; d.dec.More(); i++ {
		var e harEntry
		if err := d.dec.Decode(&e); err != nil {
			return n, fmt.Errorf("entry %d: %w", i, d.syntax(err))
		}
		f, err := flowOfEntry(&e)
		if err != nil {
			return n, fmt.Errorf("entry %d: %w", i, err)
		}
		msgs, err := messagesOfHAR(e.WebSocketMessages)
		if err != nil {
			return n, fmt.Errorf("entry %d: %w", i, err)
		}
		if e.Siphon == nil && (len(msgs) > 0 || e.ResourceType == "websocket") {
			f.Kind = WebSocket
		}
		if err := fn(f, msgs); err != nil {
			return n, fmt.Errorf("entry %d: %w", i, err)
		}
		n++
	}
	return n, d.delim(']', "log.entries")
}

// object reads a JSON object, calling field with each key while the
// decoder stands before that key's value; field must consume the value.
func (d *harDecoder) object(what string, field func(key string) error) error {
	if err := d.delim('{', what); err != nil {
		return err
	}
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return d.syntax(err)
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("%s: unexpected %v", what, tok)
		}
		if err := field(key); err != nil {
			return err
		}
	}
	return d.delim('}', what)
}

func (d *harDecoder) delim(want json.Delim, what string) error {
	tok, err := d.dec.Token()
	if err != nil {
		return fmt.Errorf("%s: %w", what, d.syntax(err))
	}
	if got, ok := tok.(json.Delim); !ok || got != want {
		return fmt.Errorf("%s: want %q at offset %d, found %v", what, want, d.dec.InputOffset(), tok)
	}
	return nil
}

// skip consumes one value of any shape without keeping it.
func (d *harDecoder) skip() error {
	depth := 0
	for {
		tok, err := d.dec.Token()
		if err != nil {
			return d.syntax(err)
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// syntax turns a bare io.EOF (a document cut short) into an error that
// says so, and adds the offset to JSON errors.
func (d *harDecoder) syntax(err error) error {
	if errors.Is(err, io.EOF) {
		return errors.New("unexpected end of file")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at offset %d: %w", se.Offset, err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("%s: %w", te.Field, err)
	}
	return err
}

// ImportHAR reads a HAR document from r into store, every entry a flow
// (with its WebSocket messages) with Source Imported (flows siphon exported keep their IDs unless the
// store holds them already), and returns how many it added. It is all or
// nothing: on any error the flows it added are deleted again, so the store
// holds what it held before.
func ImportHAR(r io.Reader, store *Store) (int, error) {
	var ids []string
	n, err := readHAR(r, func(f *Flow, msgs []Message) error {
		store.Add(f)
		ids = append(ids, f.ID)
		for _, m := range msgs {
			if err := store.AddMessage(f.ID, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if len(ids) > 0 {
			if derr := store.Delete(ids...); derr != nil {
				err = errors.Join(err, derr)
			}
		}
		return 0, fmt.Errorf("import into %s: %w", store.Path(), err)
	}
	return n, nil
}
