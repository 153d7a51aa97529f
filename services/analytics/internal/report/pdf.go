package report

import (
	"context"
	"errors"
	"html"
	"os"
	"os/exec"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// ErrNoChromium says this server cannot print PDFs: no Chromium was found.
var ErrNoChromium = errors.New("no Chromium on this server: set L4L_CHROMIUM or install chromium")

// Chromium is the browser to print with: $L4L_CHROMIUM, else chromium or
// chromium-browser on PATH.
func Chromium() (string, error) {
	if p := os.Getenv("L4L_CHROMIUM"); p != "" {
		return exec.LookPath(p)
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// PDF prints a page of this package to A4 with headless Chromium: the programme's name
// in the header, "Page x of y" in the footer. One browser per PDF (about 2 s): reports are
// asked for a few times a quarter, so a browser kept running would cost more than it
// saves. Scripts are off and the page is loaded from memory into a blank tab: the page
// has no external assets, and nothing reaches the network.
func PDF(ctx context.Context, browser string, doc []byte, programme string, l Labels) ([]byte, error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("blink-settings", "scriptEnabled=false"),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	const style = `font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 8px; color: #555; width: 100%; margin: 0 12mm;`
	header := `<div style="` + style + `">` + html.EscapeString(programme) + ` — ` + html.EscapeString(l.Get("title")) + `</div>`
	footer := `<div style="` + style + ` text-align: right;">` + html.EscapeString(l.Get("page")) +
		` <span class="pageNumber"></span> ` + html.EscapeString(l.Get("of")) + ` <span class="totalPages"></span></div>`
	err := chromedp.Do(bctx, chromedp.Navigate("about:blank"),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
			if err != nil {
				return err
			}
			_, err = chromedp.Call(ctx, page.SetDocumentContent, page.SetDocumentContentParams{FrameID: tree.FrameTree.Frame.ID, HTML: string(doc)})
			return err
		}))
	if err != nil {
		return nil, err
	}
	return chromedp.Run(bctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFMargins(0.8, 0.5, 0.8, 0.5),
		chromedp.PDFPrintBackground(), chromedp.PDFHeaderTemplate(header), chromedp.PDFFooterTemplate(footer)))
}
