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

// TestReportInBrowser opens the report in headless Chromium: the page logs
// no console error, every plot is laid out with a non-empty box and drawn
// (paths and text), and a screenshot is saved.
func TestReportInBrowser(t *testing.T) {
	browser := chromiumPath()
	if browser == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is missing in CI: `make test` installs Debian's chromium with apt-get before the tests")
		}
		t.Skip("chromium is not installed and could not be (`make test` installs Debian's chromium with apt-get); skipping the real-browser test")
	}
	_, html := sharedReport(t)
	page := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(page, html, 0o644); err != nil {
		t.Fatal(err)
	}
	wantPlots := strings.Count(string(html), `<figure class="plot"`)

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
	step, stepCancel := context.WithTimeout(ctx, 90*time.Second)
	defer stepCancel()
	if err := chromedp.Do(step,
		chromedp.Navigate("file://"+page),
		chromedp.WaitReady(chromedp.CSS("body")),
	); err != nil {
		t.Fatalf("opening the report: %v", err)
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
		t.Errorf("the browser found %d plots, the page has %d", len(boxes), wantPlots)
	}
	for _, b := range boxes {
		if b.Width <= 0 || b.Height <= 0 || b.Paths == 0 || b.Texts == 0 {
			t.Errorf("plot %s: box %gx%g, %d paths, %d texts: not rendered", b.Name, b.Width, b.Height, b.Paths, b.Texts)
		}
	}

	// Screenshots: the top of the page, and the bar chart.
	if _, err := chromedp.Run(step, chromedp.Evaluate[bool](`document.querySelectorAll('details').forEach(d => d.open = false), true`)); err != nil {
		t.Fatal(err)
	}
	top, err := chromedp.Run(step, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	chart, err := chromedp.Run(step, chromedp.Screenshot(chromedp.CSS(`figure[data-plot="throughput"]`)))
	if err != nil {
		t.Fatal(err)
	}
	out := os.Getenv("STREAMBENCH_SCREENSHOTS")
	if out == "" {
		out = filepath.Join(os.TempDir(), "streambench-report-screenshots")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, shot := range map[string][]byte{"report-top.png": top, "report-throughput.png": chart} {
		if err := checkScreenshot(shot); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		path := filepath.Join(out, name)
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
	t.Logf("%d plots rendered, %d <details> opened", len(boxes), opened)

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
