// Which drop-downs on the page show their chosen option cut short: a person then reads "Hold them
// for r" or "Not set (Needs approval" and cannot tell what is chosen.
import type { Page } from '@playwright/test';

/** The labels (or ids) of the visible selects whose selected option's text is wider than the box. */
export async function cutSelects(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const probe = document.createElement('span');
    probe.style.position = 'absolute';
    probe.style.whiteSpace = 'nowrap';
    probe.style.visibility = 'hidden';
    document.body.append(probe);
    const cut: string[] = [];
    for (const select of document.querySelectorAll('select')) {
      if (select.offsetParent === null) continue;
      const style = getComputedStyle(select);
      probe.style.font = style.font;
      probe.textContent = select.selectedOptions[0]?.text ?? '';
      const text = probe.getBoundingClientRect().width;
      // The room for text: the box less its padding and the arrow, which sits in the end padding
      // or past it (about 20 px in Chromium).
      const room =
        select.clientWidth -
        parseFloat(style.paddingLeft) -
        Math.max(parseFloat(style.paddingRight), 20);
      if (text > room)
        cut.push(select.getAttribute('aria-label') ?? select.labels[0]?.textContent ?? select.id);
    }
    probe.remove();
    return cut;
  });
}
