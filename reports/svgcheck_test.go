package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// svgText is a text element of a plot's SVG with its box in the SVG's
// coordinates (y down), measured with the font the plot was drawn with.
type svgText struct {
	s                      string
	minX, minY, maxX, maxY float64
	rotated                bool
}

var (
	viewBoxRE  = regexp.MustCompile(`viewBox="0 0 ([0-9.]+) ([0-9.]+)"`)
	fontSizeRE = regexp.MustCompile(`font-size:([0-9.]+)px`)
)

// svgTexts lists the text elements of an SVG written by gonum/plot's vgsvg
// (a flipped y axis, text at its left baseline, the y axis's label in a
// rotate(90) group) with the viewBox's size.
func svgTexts(doc string) (texts []svgText, w, h float64, err error) {
	m := viewBoxRE.FindStringSubmatch(doc)
	if m == nil {
		return nil, 0, 0, fmt.Errorf("no viewBox")
	}
	w, _ = strconv.ParseFloat(m[1], 64)
	h, _ = strconv.ParseFloat(m[2], 64)
	sty := plot.New().Title.TextStyle
	dec := xml.NewDecoder(strings.NewReader(doc))
	var rotated []bool
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return texts, w, h, nil
		}
		if err != nil {
			return nil, 0, 0, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range t.Attr {
				attr[a.Name.Local] = a.Value
			}
			switch t.Name.Local {
			case "g":
				rotated = append(rotated, strings.Contains(attr["transform"], "rotate(90)"))
			case "text":
				var body string
				if err := dec.DecodeElement(&body, &t); err != nil {
					return nil, 0, 0, err
				}
				x, _ := strconv.ParseFloat(attr["x"], 64)
				y, _ := strconv.ParseFloat(attr["y"], 64)
				size := 12.0
				if fm := fontSizeRE.FindStringSubmatch(attr["style"]); fm != nil {
					size, _ = strconv.ParseFloat(fm[1], 64)
				}
				sty.Font.Size = vg.Length(size)
				width := float64(sty.Width(body))
				// In the flipped frame the baseline is at -y; a glyph rises
				// to about 0.7 em above it (Liberation's ascenders) and drops
				// 0.22 em below (its descenders). The page's y runs down.
				base := -y
				up, down := base+0.7*size, base-0.22*size
				rot := len(rotated) > 0 && rotated[len(rotated)-1]
				var tx svgText
				if rot {
					// rotate(90) maps the text's x onto the flipped frame's
					// y and its -y onto x.
					tx = svgText{s: body, rotated: true, minX: -up, maxX: -down, minY: h - (x + width), maxY: h - x}
				} else {
					tx = svgText{s: body, minX: x, maxX: x + width, minY: h - up, maxY: h - down}
				}
				texts = append(texts, tx)
			}
		case xml.EndElement:
			if t.Name.Local == "g" && len(rotated) > 0 {
				rotated = rotated[:len(rotated)-1]
			}
		}
	}
}

// textProblems lists the texts of an SVG that stick out of its viewBox
// (clipped in a browser) or overlap another text.
func textProblems(doc string) ([]string, error) {
	texts, w, h, err := svgTexts(doc)
	if err != nil {
		return nil, err
	}
	const slack = 0.5
	var out []string
	for i, t := range texts {
		if t.minX < -slack || t.maxX > w+slack || t.minY < -slack || t.maxY > h+slack {
			out = append(out, fmt.Sprintf("%q spans x %.1f–%.1f, y %.1f–%.1f outside the %.1f×%.1f viewBox", t.s, t.minX, t.maxX, t.minY, t.maxY, w, h))
		}
		for _, o := range texts[i+1:] {
			dx := min(t.maxX, o.maxX) - max(t.minX, o.minX)
			dy := min(t.maxY, o.maxY) - max(t.minY, o.minY)
			if dx > 0.5 && dy > 0.5 {
				out = append(out, fmt.Sprintf("%q overlaps %q", t.s, o.s))
			}
		}
	}
	return out, nil
}

// checkPlot fails the test for every text of an SVG that is clipped or
// overlaps another, and every colour a browser cannot read.
func checkPlot(t *testing.T, name, doc string) {
	t.Helper()
	problems, err := textProblems(doc)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, m := range colourRE.FindAllStringSubmatch(doc, -1) {
		if len(m[2]) != 6 {
			problems = append(problems, fmt.Sprintf("%s colour #%s is not #RRGGBB (a color.RGBA whose channels exceed its alpha?)", m[1], m[2]))
		}
	}
	for _, p := range problems {
		t.Errorf("%s: %s", name, p)
	}
}

var colourRE = regexp.MustCompile(`(fill|stroke):#([0-9A-Fa-f]*)`)

// TestTextProblemsSees makes sure the check finds what it looks for: a
// title wider than its plot, a text past the edge, two labels on
// each other.
func TestTextProblemsSees(t *testing.T) {
	// A title of one word too long to break (a long one breaks into lines).
	wide := newPlot(strings.Repeat("title", 30), "x", "y")
	doc, err := drawFigure(plotWidth, plotHeight, 1, []panel{{p: wide}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := textProblems(doc); len(p) == 0 {
		t.Error("a title wider than the plot is not reported")
	}
	on := newPlot("", "x", "y")
	leg := &legend{}
	leg.add("first")
	if err := barLabel(on, 0.5, 0.5, 0, "label"); err != nil {
		t.Fatal(err)
	}
	if err := barLabel(on, 0.5, 0.5, 0, "label"); err != nil {
		t.Fatal(err)
	}
	on.X.Min, on.X.Max, on.Y.Min, on.Y.Max = 0, 1, 0, 1
	doc, err = drawFigure(plotWidth, plotHeight, 1, []panel{{p: on}}, leg)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := textProblems(doc)
	if len(p) != 1 || !strings.Contains(p[0], "overlaps") {
		t.Errorf("two labels on each other: problems %q, want one overlap", p)
	}
	if p, _ := textProblems(`<svg viewBox="0 0 100 100"><g transform="scale(1, -1) translate(0, -100)"><text x="90" y="-50" transform="scale(1, -1)" style="font-size:10px">past the edge</text></g></svg>`); len(p) != 1 {
		t.Errorf("a text past the right edge: problems %q, want one", p)
	}
}

func TestRoundCount(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{0, "0"}, {7, "7"}, {12.34, "12.3"}, {999.4, "999"}, {999.6, "1k"}, {68_810, "68.8k"}, {950_790, "951k"},
		{999_700, "1M"}, {1_086_499, "1.09M"}, {20_100_000, "20.1M"}, {123_456_789, "123M"},
	} {
		if got := roundCount(tc.v); got != tc.want {
			t.Errorf("roundCount(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

// TestThroughputPanels: workloads twenty times apart each get a panel on
// their own scale, so an engine at half its baseline draws a bar of the
// same height on both (on one shared axis the light workload's bar would
// be a twentieth as tall), with every text inside the plot, whatever the
// number of workloads.
func TestThroughputPanels(t *testing.T) {
	rates := map[string]float64{"identity": 20e6, "grep": 12e6, "wordcount": 1e6, "ads": 1.1e6, "joins": 3e5}
	order := []string{"identity", "grep", "wordcount", "ads", "joins"}
	for n := 1; n <= len(order); n++ {
		t.Run(fmt.Sprintf("%d workloads", n), func(t *testing.T) {
			var cells []*Cell
			for _, w := range order[:n] {
				for _, e := range []struct {
					name string
					of   float64
				}{{"baseline-at-most-once", 1}, {"core-at-least-once", 0.5}, {"trident-exactly-once", 0.25}} {
					r := rates[w] * e.of
					cells = append(cells, &Cell{ID: e.name + "/" + w, Engine: strings.SplitN(e.name, "-", 2)[0], Workload: w,
						Sustainable: []float64{r * 0.98, r * 1.02}, Nodes: 1, Cores: 2})
				}
			}
			doc, err := ThroughputPlot(cells)
			if err != nil {
				t.Fatal(err)
			}
			checkPlot(t, "throughput", doc)
			// core-at-least-once is the first engine cell: the first colour;
			// its first rectangle is its legend swatch, drawn before the
			// panels.
			heights := barHeights(doc, "#0072B2")
			if len(heights) != n+1 {
				t.Fatalf("%d rectangles of core-at-least-once, want %d bars and the swatch", len(heights), n)
			}
			heights = heights[1:]
			for i, h := range heights {
				if math.Abs(h-heights[0]) > 0.05*heights[0] || h < 20 {
					t.Errorf("core-at-least-once on %s is %.1fpt tall, on %s %.1fpt: at half its baseline on each, the bars should match",
						order[i], h, order[0], heights[0])
				}
			}
		})
	}
}

var barRE = regexp.MustCompile(`<path d="M[0-9.]+,([0-9.]+)L[0-9.]+,([0-9.]+)L[0-9.]+,[0-9.]+L[0-9.]+,[0-9.]+Z" style="fill:(#[0-9A-F]{6})"`)

// barHeights lists the heights of the filled rectangles of a colour.
func barHeights(doc, colour string) []float64 {
	var out []float64
	for _, m := range barRE.FindAllStringSubmatch(doc, -1) {
		if m[3] != colour {
			continue
		}
		lo, _ := strconv.ParseFloat(m[1], 64)
		hi, _ := strconv.ParseFloat(m[2], 64)
		out = append(out, math.Abs(hi-lo))
	}
	return out
}
