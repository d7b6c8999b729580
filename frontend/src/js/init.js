// Start GOV.UK Frontend's components (loaded as an ES module, so it runs only
// in browsers that GOV.UK Frontend supports; others get the no-JS experience).
import { initAll } from './govuk-frontend.min.js'

initAll()
