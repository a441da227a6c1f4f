// Command benchratio reads `go test -bench` output and prints every
// figure as a ratio to the baseline measured in the same run, which is
// what BENCHMARKS.md reports: on a shared machine absolute times drift,
// ratios from one run much less.
//
//	go test -run '^$' -bench . -benchmem -count 5 ./internal/bench/... | tee bench.txt
//	go run ./internal/bench/cmd/benchratio [-md] bench.txt
//
// A benchmark's variant is the sub-benchmark component whose key is listed
// in baselines (gen=, client=, dec=, src=, step=, mw=, vs=); the rest of the
// name is its group. For each group it prints the median and minimum
// ns/op over the repeated runs (-count), the ratio of each to the
// baseline's, and the median B/op and allocs/op ratios.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// baselines maps a variant key to the variant every other one is divided by.
var baselines = map[string]string{
	"gen":    "oapicodegen",
	"step":   "kinload",
	"client": "raw",
	"dec":    "encoding_json",
	"src":    "mutex",
	"mw":     "none",
	"vs":     "ogen",
}

type sample struct{ ns, bytes, allocs float64 }

type series struct {
	group, key, variant string
	samples             []sample
}

var procs = regexp.MustCompile(`-\d+$`)

func main() {
	md := flag.Bool("md", false, "print a Markdown table")
	flag.Parse()
	var in io.Reader = os.Stdin
	if flag.NArg() > 0 {
		f, err := os.Open(flag.Arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		defer f.Close()
		in = f
	}
	var order []string
	all := map[string]*series{}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := procs.ReplaceAllString(fields[0], "")
		var s sample
		ok := false
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			switch fields[i+1] {
			case "ns/op":
				s.ns, ok = v, true
			case "B/op":
				s.bytes = v
			case "allocs/op":
				s.allocs = v
			}
		}
		if !ok {
			continue
		}
		se := all[name]
		if se == nil {
			se = &series{group: name}
			parts := strings.Split(name, "/")
			for i, p := range parts {
				k, v, found := strings.Cut(p, "=")
				if _, isVariant := baselines[k]; found && isVariant {
					se.key, se.variant = k, v
					se.group = strings.Join(slices.Delete(slices.Clone(parts), i, i+1), "/")
					break
				}
			}
			all[name] = se
			order = append(order, name)
		}
		se.samples = append(se.samples, s)
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}

	base := map[string]*series{} // group → its baseline series
	for _, n := range order {
		if se := all[n]; se.key != "" && se.variant == baselines[se.key] {
			base[se.group] = se
		}
	}
	var out io.Writer = os.Stdout
	var tw *tabwriter.Writer
	sep, end := "\t", "\t"
	if *md {
		sep, end = " | ", " |"
		fmt.Fprintln(out, "| benchmark | variant | n | median | min | ×base (median) | ×base (min) | B/op ×base | allocs ×base |")
		fmt.Fprintln(out, "|---|---|--:|--:|--:|--:|--:|--:|--:|")
	} else {
		tw = tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
		out = tw
		fmt.Fprintln(out, strings.Join([]string{"group", "variant", "n", "median", "min", "×base (median)", "×base (min)", "B/op ×base", "allocs ×base"}, sep)+end)
	}
	last := ""
	for _, n := range order {
		se := all[n]
		if se.group != last && last != "" && !*md {
			fmt.Fprintln(out, strings.Repeat(sep, 8)+end)
		}
		last = se.group
		med, mn := median(se.samples, func(s sample) float64 { return s.ns }), minOf(se.samples)
		cols := []string{strings.TrimPrefix(se.group, "Benchmark"), se.variant, strconv.Itoa(len(se.samples)), dur(med), dur(mn)}
		if b := base[se.group]; b != nil && b != se {
			bm := median(b.samples, func(s sample) float64 { return s.ns })
			cols = append(cols, fmt.Sprintf("%.2f×", med/bm), fmt.Sprintf("%.2f×", mn/minOf(b.samples)),
				ratio(median(se.samples, func(s sample) float64 { return s.bytes }), median(b.samples, func(s sample) float64 { return s.bytes })),
				ratio(median(se.samples, func(s sample) float64 { return s.allocs }), median(b.samples, func(s sample) float64 { return s.allocs })))
		} else if b == se {
			cols = append(cols, "base", "base", "", "")
		} else {
			cols = append(cols, "", "", "", "")
		}
		line := strings.Join(cols, sep) + end
		if *md {
			line = "| " + line
		}
		fmt.Fprintln(out, line)
	}
	if tw != nil {
		tw.Flush()
	}
}

func median(ss []sample, f func(sample) float64) float64 {
	v := make([]float64, len(ss))
	for i, s := range ss {
		v[i] = f(s)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func minOf(ss []sample) float64 {
	m := ss[0].ns
	for _, s := range ss[1:] {
		m = min(m, s.ns)
	}
	return m
}

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// dur prints nanoseconds with a readable unit.
func dur(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.2fs", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.2fms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1fµs", ns/1e3)
	}
	return fmt.Sprintf("%.1fns", ns)
}
