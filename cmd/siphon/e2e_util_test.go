package main

import (
	"database/sql"
	"net/url"
	"testing"

	_ "modernc.org/sqlite"
)

type urlURL = url.URL

func parseURL(s string) (*url.URL, error) { return url.Parse(s) }

// makeForeignSQLite creates a valid SQLite database that is not a session.
func makeForeignSQLite(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE notes(id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes(text) VALUES ('mine')`); err != nil {
		t.Fatal(err)
	}
}
