// Package page turns page-at-a-time list operations into lazy iterators.
// Generated OpAll methods close over the operation call; the paging loop
// lives here once.
//
// Every iterator is lazy: nothing is fetched until the first iteration,
// and each page is fetched only when the previous one has been consumed.
// Breaking out of the loop stops fetching. A failed fetch yields the zero
// item with the error, once, and ends the iteration:
//
//	for pet, err := range client.ListPetsAll(ctx, nil) {
//		if err != nil {
//			return err
//		}
//		...
//	}
//
// Each call of the returned sequence starts again from the first page.
package page

import "iter"

// Offset iterates an offset/limit API: fetch(offset) returns one page; it
// stops after a page shorter than limit (limit <= 0: after an empty page) or
// when total (if known, >= 0) is reached.
//
// The next offset is the previous one plus the number of items returned.
// An empty page always ends the iteration, whatever total says. A total
// of 0 beside a page of items is a count the response left out (an
// absent optional member reads as 0), not a known total, and is ignored.
func Offset[T any](start, limit int, fetch func(offset int) (items []T, total int, err error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		offset := start
		for {
			items, total, err := fetch(offset)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			offset += len(items)
			switch {
			case len(items) == 0:
				return
			case limit > 0 && len(items) < limit:
				return
			case total > 0 && offset >= total:
				return
			}
		}
	}
}

// Number iterates a page-number API starting at first; stops after an empty page or one shorter than size (size > 0).
func Number[T any](first, size int, fetch func(page int) ([]T, error)) iter.Seq2[T, error] {
	return NumberLast(first, size, func(page int) ([]T, bool, error) {
		items, err := fetch(page)
		return items, false, err
	})
}

// NumberLast iterates a page-number API whose pages say which one is the
// last (a lastPage flag, a last_page number): fetch(page) returns the
// items and whether that page is the last. It stops after the last page,
// without asking for the one after it, and otherwise as Number does.
func NumberLast[T any](first, size int, fetch func(page int) (items []T, last bool, err error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for page := first; ; page++ {
			items, last, err := fetch(page)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if last || len(items) == 0 || (size > 0 && len(items) < size) {
				return
			}
		}
	}
}

// Cursor iterates a cursor or next-link API: fetch("") is the first page;
// it stops when the returned next cursor is empty or repeats.
//
// "Repeats" means equal to any cursor already fetched, so a server that
// cycles between links cannot make the iteration endless.
func Cursor[T any](fetch func(cursor string) (items []T, next string, err error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var seen map[string]struct{}
		cursor := ""
		for {
			items, next, err := fetch(cursor)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == "" || next == cursor {
				return
			}
			if _, dup := seen[next]; dup {
				return
			}
			if seen == nil {
				seen = make(map[string]struct{})
			}
			seen[cursor] = struct{}{}
			cursor = next
		}
	}
}
