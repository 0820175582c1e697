package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds the browser the real-browser test drives: Debian's
// chromium, which `make test` installs when it is missing.
func chromiumPath() string {
	if p := os.Getenv("STREAMBENCH_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// plotBox is what the page says of one plot once laid out.
type plotBox struct {
	Name   string  `json:"name"`
	Width  float64 `json:"w"`
	Height float64 `json:"h"`
	Paths  int     `json:"paths"`
	Texts  int     `json:"texts"`
}

// recoveryLayout is the Recovery section as the browser laid it out.
type recoveryLayout struct {
	Present     bool       `json:"present"`
	Rows        [][]string `json:"rows"`
	BrokenLinks []string   `json:"brokenLinks"`
	Plots       int        `json:"plots"`
	Overflow    []string   `json:"overflow"`
}

// TestReportInBrowser opens reports in headless Chromium, the simulated
// bench's and one with cells through JetStream: the pages log no console
// error, every plot is laid out with a non-empty box and drawn (paths and
// text), the broker page's "Through the broker" section has its table and
// plot, the Recovery section's guarantee matrix has the fixture's pass and
// fail cells with working links to examples, and screenshots are saved.
func TestReportInBrowser(t *testing.T) {
	browser := chromiumPath()
	if browser == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is missing in CI: `make test` installs Debian's chromium with apt-get before the tests")
		}
		t.Skip("chromium is not installed and could not be (`make test` installs Debian's chromium with apt-get); skipping the real-browser test")
	}
	_, html := sharedReport(t)
	_, brokerHTML := brokerReport(t, brokerSuite("baseline-generator", "baseline-jetstream", "core-generator", "core-jetstream", "microbatch-jetstream"))
	scalingHTML := scalingReport(t)
	pages := []struct {
		name string
		html []byte
		// shots are the screenshots to take: file name, and the CSS
		// selector of the element ("" for the top of the page).
		shots map[string]string
		// brokerRows is how many rows the page's broker section has at
		// least (0: the page has no broker section).
		brokerRows int
		// claims are the states of the Recovery section's guarantee
		// matrix, row by row (nil: the page has no Recovery section).
		claims [][]string
	}{
		{"report.html", html, map[string]string{"report-top.png": "", "report-throughput.png": `figure[data-plot="throughput"]`,
			"report-recovery.png": `table.recovery-grid`}, 0, [][]string{
			{"core", "at-most-once", "pass", "none", "none", "none"},
			{"core", "at-least-once", "pass", "pass", "pass", "fail"},
			{"trident", "exactly-once", "fail", "none", "none", "none"},
		}},
		{"broker.html", []byte(brokerHTML), map[string]string{"report-broker.png": `figure[data-plot="broker"]`}, 3, nil},
		{"scaling.html", []byte(scalingHTML), map[string]string{"report-scaling.png": `figure[data-plot="scaling"]`}, 1, nil},
	}
	dir := t.TempDir()

	// A fresh profile, and no network: the machine's network is closed and
	// Chromium would otherwise hang on connection attempts.
	profile, err := os.MkdirTemp("", "streambench-chromium")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Chromium's children may write to the profile for a moment after
		// it stops; try again until the directory goes.
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(browser),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 1600),
	)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()

	// Read the console from the start, until the page logs the sentinel
	// this test makes it log last: the messages arrive in order, so every
	// message of the page is read by then.
	const sentinel = "streambench-report-test: end"
	messages := chromedp.Console(ctx)
	var problems []string
	sawSentinel := make(chan struct{})
	go func() {
		defer close(sawSentinel)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Text == sentinel {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				problems = append(problems, m.String())
			}
		}
	}()
	step, stepCancel := context.WithTimeout(ctx, 150*time.Second)
	defer stepCancel()
	out := os.Getenv("STREAMBENCH_SCREENSHOTS")
	if out == "" {
		out = filepath.Join(os.TempDir(), "streambench-report-screenshots")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, pg := range pages {
		page := filepath.Join(dir, pg.name)
		if err := os.WriteFile(page, pg.html, 0o644); err != nil {
			t.Fatal(err)
		}
		wantPlots := strings.Count(string(pg.html), `<figure class="plot"`)
		if err := chromedp.Do(step,
			chromedp.Navigate("file://"+page),
			chromedp.WaitReady(chromedp.CSS("body")),
		); err != nil {
			t.Fatalf("opening %s: %v", pg.name, err)
		}
		// Open every <details> so the timelines are laid out too.
		opened, err := chromedp.Run(step, chromedp.Evaluate[int](
			`(() => { const ds = document.querySelectorAll('details'); ds.forEach(d => d.open = true); return ds.length; })()`))
		if err != nil {
			t.Fatal(err)
		}
		boxes, err := chromedp.Run(step, chromedp.Evaluate[[]plotBox](`Array.from(document.querySelectorAll('figure.plot')).map(f => {
		const s = f.querySelector('svg');
		const r = s ? s.getBoundingClientRect() : {width: 0, height: 0};
		return {name: f.dataset.plot, w: r.width, h: r.height,
			paths: s ? s.querySelectorAll('path').length : 0, texts: s ? s.querySelectorAll('text').length : 0};
	})`))
		if err != nil {
			t.Fatal(err)
		}
		if len(boxes) != wantPlots || wantPlots == 0 {
			t.Errorf("%s: the browser found %d plots, the page has %d", pg.name, len(boxes), wantPlots)
		}
		for _, b := range boxes {
			if b.Width <= 0 || b.Height <= 0 || b.Paths == 0 || b.Texts == 0 {
				t.Errorf("%s: plot %s: box %gx%g, %d paths, %d texts: not rendered", pg.name, b.Name, b.Width, b.Height, b.Paths, b.Texts)
			}
		}
		// The broker section: its heading, a table with a row per pair,
		// and its plot inside it.
		section, err := chromedp.Run(step, chromedp.Evaluate[[]int](`(() => {
		const h = document.getElementById('broker');
		if (!h) return [0, 0, 0];
		let rows = 0, plots = 0;
		for (let e = h.nextElementSibling; e && e.tagName !== 'H2'; e = e.nextElementSibling) {
			if (e.tagName === 'TABLE' && rows === 0) rows = e.querySelectorAll('tr:not(.cmd)').length - 1;
			if (e.matches('figure.plot[data-plot="broker"]')) plots++;
		}
		return [1, rows, plots];
	})()`))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case pg.brokerRows > 0 && (section[0] != 1 || section[1] < pg.brokerRows || section[2] != 1):
			t.Errorf("%s: the broker section has heading %d, %d rows, %d plots; want 1, %d or more, 1", pg.name, section[0], section[1], section[2], pg.brokerRows)
		case pg.brokerRows == 0 && section[0] != 0:
			t.Errorf("%s: a broker section in a bench without JetStream cells", pg.name)
		}

		// The Recovery section: the guarantee matrix as the browser laid
		// it out (engine, guarantee, then each cell's state), every
		// failed cell with a link to examples that are on the page, a
		// timeline per run with faults, and nothing wider than the page.
		rec, err := chromedp.Run(step, chromedp.Evaluate[recoveryLayout](`(() => {
		const h = document.getElementById('recovery');
		if (!h) return {present: false};
		const out = {present: true, rows: [], brokenLinks: [], plots: 0, overflow: []};
		const grid = document.querySelector('table.recovery-grid');
		if (grid) for (const tr of Array.from(grid.querySelectorAll('tr')).slice(1)) {
			const tds = Array.from(tr.querySelectorAll('td'));
			const row = tds.slice(0, 2).map(td => td.textContent.trim());
			for (const td of tds.slice(2)) {
				row.push(td.dataset.state);
				if (td.dataset.state === 'fail' && !td.querySelector('a[href^="#recovery-examples-"]')) out.brokenLinks.push('a failed cell without examples: ' + td.textContent);
				for (const a of td.querySelectorAll('a')) {
					const target = document.getElementById(a.getAttribute('href').slice(1));
					if (!target || target.getBoundingClientRect().height === 0) out.brokenLinks.push(a.getAttribute('href'));
				}
			}
			out.rows.push(row);
		}
		const page = document.body.getBoundingClientRect().right;
		for (let e = h.nextElementSibling; e && e.tagName !== 'H2'; e = e.nextElementSibling) {
			if (e.matches('figure.plot')) out.plots++;
			if (e.getBoundingClientRect().right > page + 1) out.overflow.push(e.tagName + '.' + e.className);
		}
		return out;
	})()`))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case pg.claims == nil && rec.Present:
			t.Errorf("%s: a Recovery section in a bench without faults", pg.name)
		case pg.claims != nil && !rec.Present:
			t.Errorf("%s: no Recovery section", pg.name)
		case pg.claims != nil:
			if !reflect.DeepEqual(rec.Rows, pg.claims) {
				t.Errorf("%s: the guarantee matrix reads %q, want %q", pg.name, rec.Rows, pg.claims)
			}
			if rec.Plots != len(faultRuns) {
				t.Errorf("%s: %d recovery timelines, want %d", pg.name, rec.Plots, len(faultRuns))
			}
			for _, l := range rec.BrokenLinks {
				t.Errorf("%s: broken examples link: %s", pg.name, l)
			}
			for _, o := range rec.Overflow {
				t.Errorf("%s: the Recovery section's %s is wider than the page", pg.name, o)
			}
		}

		if _, err := chromedp.Run(step, chromedp.Evaluate[bool](`document.querySelectorAll('details').forEach(d => d.open = false), true`)); err != nil {
			t.Fatal(err)
		}
		for name, sel := range pg.shots {
			var shot []byte
			if sel == "" {
				shot, err = chromedp.Run(step, chromedp.CaptureScreenshot())
			} else {
				shot, err = chromedp.Run(step, chromedp.Screenshot(chromedp.CSS(sel)))
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := checkScreenshot(shot); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			path := filepath.Join(out, name)
			if err := os.WriteFile(path, shot, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s", path)
		}
		t.Logf("%s: %d plots rendered, %d <details> opened", pg.name, len(boxes), opened)
	}

	if _, err := chromedp.Run(step, chromedp.Evaluate[bool](`console.log("`+sentinel+`"), true`)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sawSentinel:
	case <-step.Done():
		t.Fatal("the console never showed the test's own message: the console is not being read")
	}
	if len(problems) > 0 {
		t.Errorf("the page logged errors:\n%s", strings.Join(problems, "\n"))
	}
}

// checkScreenshot refuses an image that is not a PNG or is one colour (a
// blank page).
func checkScreenshot(data []byte) error {
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not a PNG: %w", err)
	}
	b := img.Bounds()
	if b.Dx() < 100 || b.Dy() < 100 {
		return fmt.Errorf("only %dx%d pixels", b.Dx(), b.Dy())
	}
	first := img.At(b.Min.X, b.Min.Y)
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			if img.At(x, y) != first {
				return nil
			}
		}
	}
	return errors.New("the image is blank")
}
