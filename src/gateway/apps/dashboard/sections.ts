/**
 * Panels that other parts of Tornet (mail, radio) add to the dashboard.
 * Each renders on every page view, with a deadline: a slow or failing panel
 * shows a short notice and never takes the page down with it.
 */
import { raceSignal } from '../../abort.js'
import { errorCode } from '../../errors.js'
import { escapeHtml } from '../../html.js'
import { DASHBOARD_ERRORS, dashboardError } from './errors.js'
import type { DashboardSection } from './port.js'

export interface RenderedSection {
  id: string
  title: string
  html: string // trusted: from the section, or our own notice
}

const SECTION_ID = /^[a-z][a-z0-9-]{0,31}$/
// Ids of the dashboard's own panels, which a section may not take.
const BUILT_IN_IDS = new Set(['node', 'storage', 'traffic', 'peers', 'published', 'publish', 'setup'])
export const MAX_SECTIONS = 16

export class SectionRegistry {
  private readonly sections: DashboardSection[] = []

  /** Adds a panel; one with the same id is replaced. */
  register (section: DashboardSection): void {
    if (!SECTION_ID.test(section.id) || BUILT_IN_IDS.has(section.id)) {
      throw dashboardError(DASHBOARD_ERRORS.invalidSection, `“${section.id}” cannot be a dashboard section id.`)
    }
    const index = this.sections.findIndex(s => s.id === section.id)
    if (index >= 0) {
      this.sections[index] = section
      return
    }
    if (this.sections.length >= MAX_SECTIONS) {
      throw dashboardError(DASHBOARD_ERRORS.invalidSection, `The dashboard holds at most ${MAX_SECTIONS} sections.`)
    }
    this.sections.push(section)
  }

  unregister (id: string): boolean {
    const index = this.sections.findIndex(s => s.id === id)
    if (index < 0) return false
    this.sections.splice(index, 1)
    return true
  }

  list (): ReadonlyArray<{ id: string, title: string }> {
    return this.sections.map(s => ({ id: s.id, title: s.title }))
  }

  /** Renders every section at once, each within `timeoutMs`. */
  async renderAll (parent: AbortSignal, timeoutMs: number): Promise<RenderedSection[]> {
    return await Promise.all(this.sections.map(async section => {
      const signal = AbortSignal.any([parent, AbortSignal.timeout(timeoutMs)])
      try {
        const html = await raceSignal(section.render({ signal }), signal)
        return { id: section.id, title: section.title, html }
      } catch (err) {
        const why = signal.aborted && !parent.aborted ? 'did not answer in time' : 'failed'
        const code = errorCode(err)
        return {
          id: section.id,
          title: section.title,
          html: `<p class="muted">This panel ${why}${code === undefined ? '' : ` (<code>${escapeHtml(code)}</code>)`}. Reload to try again.</p>`
        }
      }
    }))
  }
}
