package page_test

import (
	"errors"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"testing"

	"github.com/apigen-go/apigen/runtime/page"
)

// collect drains seq, returning items and errors in order.
func collect[T any](seq iter.Seq2[T, error]) (items []T, errs []error) {
	for it, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		items = append(items, it)
	}
	return items, errs
}

func seqInts(from, to int) []int {
	var s []int
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

// offsetServer serves n items in pages of at most max.
type offsetServer struct {
	n, max  int
	total   int // returned as total (-1: unknown)
	fetches int
	offsets []int
	failAt  int // fetch number that fails (1-based; 0: never)
}

func (s *offsetServer) fetch(offset int) ([]int, int, error) {
	s.fetches++
	s.offsets = append(s.offsets, offset)
	if s.fetches == s.failAt {
		return nil, 0, errors.New("boom")
	}
	end := min(offset+s.max, s.n)
	if offset >= s.n {
		return nil, s.total, nil
	}
	return seqInts(offset, end), s.total, nil
}

func TestOffset(t *testing.T) {
	tests := []struct {
		name        string
		srv         offsetServer
		start       int
		limit       int
		wantItems   int
		wantFetches int
		wantOffsets []int
	}{
		{"short last page stops", offsetServer{n: 25, max: 10, total: -1}, 0, 10, 25, 3, []int{0, 10, 20}},
		{"exact multiple needs one empty page", offsetServer{n: 20, max: 10, total: -1}, 0, 10, 20, 3, []int{0, 10, 20}},
		{"total stops without an empty page", offsetServer{n: 20, max: 10, total: 20}, 0, 10, 20, 2, []int{0, 10}},
		{"total zero", offsetServer{n: 0, max: 10, total: 0}, 0, 10, 0, 1, []int{0}},
		{"absent total (0) beside items is ignored", offsetServer{n: 25, max: 10, total: 0}, 0, 10, 25, 3, []int{0, 10, 20}},
		{"start offset", offsetServer{n: 25, max: 10, total: 25}, 5, 10, 20, 2, []int{5, 15}},
		{"no limit: stops after empty page", offsetServer{n: 25, max: 10, total: -1}, 0, 0, 25, 4, []int{0, 10, 20, 25}},
		{"server caps below limit: stops after the short page", offsetServer{n: 50, max: 10, total: -1}, 0, 20, 10, 1, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := tt.srv
			items, errs := collect(page.Offset(tt.start, tt.limit, srv.fetch))
			if len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			if len(items) != tt.wantItems {
				t.Errorf("items = %d, want %d", len(items), tt.wantItems)
			}
			if srv.fetches != tt.wantFetches || !slices.Equal(srv.offsets, tt.wantOffsets) {
				t.Errorf("fetches = %d at %v, want %d at %v", srv.fetches, srv.offsets, tt.wantFetches, tt.wantOffsets)
			}
			if len(items) > 0 && items[0] != tt.start {
				t.Errorf("first item = %d", items[0])
			}
		})
	}
}

func TestLazyAndBreak(t *testing.T) {
	srv := &offsetServer{n: 100, max: 10, total: -1}
	seq := page.Offset(0, 10, srv.fetch)
	if srv.fetches != 0 {
		t.Fatalf("fetched %d pages before iterating", srv.fetches)
	}
	n := 0
	for it, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if it == 14 {
			break
		}
	}
	if n != 15 || srv.fetches != 2 {
		t.Errorf("read %d items with %d fetches; want 15 with 2", n, srv.fetches)
	}
	// A break on the last item of a page does not fetch the next one.
	srv.fetches = 0
	for it := range seq {
		if it == 9 {
			break
		}
	}
	if srv.fetches != 1 {
		t.Errorf("fetches = %d, want 1", srv.fetches)
	}
	// Each range starts over.
	srv.fetches, srv.offsets = 0, nil
	items, _ := collect(seq)
	if len(items) != 100 || srv.offsets[0] != 0 {
		t.Errorf("restart: %d items, offsets %v", len(items), srv.offsets)
	}
}

func TestErrorYieldedOnceThenStops(t *testing.T) {
	boom := errors.New("boom")
	t.Run("offset", func(t *testing.T) {
		srv := &offsetServer{n: 100, max: 10, total: -1, failAt: 2}
		var got []string
		for it, err := range page.Offset(0, 10, srv.fetch) {
			if err != nil {
				if it != 0 {
					t.Errorf("item with error = %d, want zero", it)
				}
				got = append(got, err.Error())
				continue // the iterator must stop by itself
			}
			got = append(got, fmt.Sprint(it))
		}
		if len(got) != 11 || got[10] != "boom" || srv.fetches != 2 {
			t.Errorf("got %v after %d fetches", got, srv.fetches)
		}
	})
	t.Run("number", func(t *testing.T) {
		fetches := 0
		items, errs := collect(page.Number(1, 2, func(p int) ([]string, error) {
			fetches++
			if p == 2 {
				return []string{"partial"}, boom // items with an error are not yielded
			}
			return []string{"a", "b"}, nil
		}))
		if !slices.Equal(items, []string{"a", "b"}) || len(errs) != 1 || !errors.Is(errs[0], boom) || fetches != 2 {
			t.Errorf("items %v errs %v fetches %d", items, errs, fetches)
		}
	})
	t.Run("cursor", func(t *testing.T) {
		fetches := 0
		items, errs := collect(page.Cursor(func(c string) ([]int, string, error) {
			fetches++
			if c == "" {
				return []int{1}, "next", nil
			}
			return nil, "", boom
		}))
		if !slices.Equal(items, []int{1}) || len(errs) != 1 || fetches != 2 {
			t.Errorf("items %v errs %v fetches %d", items, errs, fetches)
		}
	})
	t.Run("break on error", func(t *testing.T) {
		for _, err := range page.Cursor(func(string) ([]int, string, error) { return nil, "x", boom }) {
			if err == nil {
				t.Fatal("want error")
			}
			break
		}
	})
}

func TestNumber(t *testing.T) {
	tests := []struct {
		name        string
		n, max      int
		first, size int
		wantPages   []int
	}{
		{"short last page", 5, 2, 1, 2, []int{1, 2, 3}},
		{"exact multiple ends on empty page", 4, 2, 1, 2, []int{1, 2, 3}},
		{"zero-based", 3, 2, 0, 2, []int{0, 1}},
		{"unknown size: until empty", 5, 2, 1, 0, []int{1, 2, 3, 4}},
		{"empty first page", 0, 2, 1, 2, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pages []int
			fetch := func(p int) ([]int, error) {
				pages = append(pages, p)
				start := (p - tt.first) * tt.max
				return seqInts(start, min(start+tt.max, tt.n)), nil
			}
			items, errs := collect(page.Number(tt.first, tt.size, fetch))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			if !slices.Equal(items, seqInts(0, tt.n)) {
				t.Errorf("items = %v", items)
			}
			if !slices.Equal(pages, tt.wantPages) {
				t.Errorf("pages = %v, want %v", pages, tt.wantPages)
			}
		})
	}
}

func TestNumberLazyBreak(t *testing.T) {
	fetches := 0
	seq := page.Number(1, 3, func(p int) ([]int, error) {
		fetches++
		return []int{p, p, p}, nil // endless
	})
	if fetches != 0 {
		t.Fatal("not lazy")
	}
	n := 0
	for range seq {
		n++
		if n == 7 {
			break
		}
	}
	if fetches != 3 {
		t.Errorf("fetches = %d, want 3", fetches)
	}
}

func TestCursor(t *testing.T) {
	tests := []struct {
		name        string
		pages       map[string]struct{ next string }
		wantCursors []string
	}{
		{"until empty next", map[string]struct{ next string }{"": {"b"}, "b": {"c"}, "c": {""}}, []string{"", "b", "c"}},
		{"same cursor again", map[string]struct{ next string }{"": {"b"}, "b": {"b"}}, []string{"", "b"}},
		{"cycle", map[string]struct{ next string }{"": {"a"}, "a": {"b"}, "b": {"a"}}, []string{"", "a", "b"}},
		{"single page", map[string]struct{ next string }{"": {""}}, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cursors []string
			items, errs := collect(page.Cursor(func(c string) ([]string, string, error) {
				cursors = append(cursors, c)
				p, ok := tt.pages[c]
				if !ok {
					t.Fatalf("unexpected cursor %q", c)
				}
				return []string{"item@" + c}, p.next, nil
			}))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			if !reflect.DeepEqual(cursors, tt.wantCursors) {
				t.Errorf("cursors = %q, want %q", cursors, tt.wantCursors)
			}
			if len(items) != len(cursors) {
				t.Errorf("items = %v", items)
			}
		})
	}
}

func TestCursorEmptyPageWithNext(t *testing.T) {
	// Some APIs return an empty page with a cursor; keep following it.
	pages := map[string]struct {
		items []int
		next  string
	}{"": {nil, "a"}, "a": {[]int{1, 2}, ""}}
	fetches := 0
	items, _ := collect(page.Cursor(func(c string) ([]int, string, error) {
		fetches++
		return pages[c].items, pages[c].next, nil
	}))
	if !slices.Equal(items, []int{1, 2}) || fetches != 2 {
		t.Errorf("items %v fetches %d", items, fetches)
	}
}

func TestCursorLazyBreak(t *testing.T) {
	fetches := 0
	seq := page.Cursor(func(c string) ([]int, string, error) {
		fetches++
		return []int{1, 2}, c + "x", nil // endless
	})
	if fetches != 0 {
		t.Fatal("not lazy")
	}
	n := 0
	for range seq {
		if n++; n == 4 {
			break
		}
	}
	if fetches != 2 {
		t.Errorf("fetches = %d, want 2", fetches)
	}
}

// NumberLast stops at the page marked last, without asking for the next
// one, even when that page is full or the size is unknown; an error ends
// the walk once.
func TestNumberLast(t *testing.T) {
	for _, tt := range []struct {
		name      string
		n, size   int
		wantPages []int
	}{
		{"full last page", 4, 2, []int{1, 2}},
		{"unknown size", 5, 0, []int{1, 2, 3}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var pages []int
			items, errs := collect(page.NumberLast(1, tt.size, func(p int) ([]int, bool, error) {
				pages = append(pages, p)
				start := (p - 1) * 2
				end := min(start+2, tt.n)
				return seqInts(start, end), end >= tt.n, nil
			}))
			if len(errs) > 0 || !slices.Equal(items, seqInts(0, tt.n)) || !slices.Equal(pages, tt.wantPages) {
				t.Errorf("items %v errs %v pages %v, want pages %v", items, errs, pages, tt.wantPages)
			}
		})
	}
	_, errs := collect(page.NumberLast(1, 2, func(int) ([]int, bool, error) { return nil, false, errors.New("boom") }))
	if len(errs) != 1 {
		t.Errorf("errs = %v", errs)
	}
}
