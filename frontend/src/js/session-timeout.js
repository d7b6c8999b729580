/**
 * Session timeout warning (WCAG 2.2.1 Timing adjustable).
 *
 * The server signs a user out after a period without requests. This script
 * counts down from that period, warns before it ends with a modal dialog the
 * user can answer by keyboard, and sends them to the sign-in page when it has.
 *
 * Configuration comes from data attributes on <body>:
 *   data-idle-timeout   seconds without a request before the server signs out
 *   data-idle-warning   seconds before that to show the warning
 *   data-extend-url     POST here to stay signed in (returns JSON)
 *   data-logout-url     the sign-out URL (the form #sign-out-form posts to it)
 *   data-login-url      where to go when the time is up (default /accounts/login/)
 *
 * Works under a strict Content-Security-Policy: no eval, no inline handlers,
 * no inline styles. Activity in another tab (page loads, "Stay signed in")
 * restarts the countdown here too, through localStorage.
 */
const body = document.body
const dialog = document.getElementById('session-timeout-dialog')
const STORAGE_KEY = 'preventHub.sessionActivity'

function seconds (value, fallback) {
  const number = parseInt(value, 10)
  return Number.isFinite(number) && number > 0 ? number : fallback
}

function describe (remaining) {
  if (remaining >= 60) {
    const minutes = Math.ceil(remaining / 60)
    return minutes === 1 ? '1 minute' : `${minutes} minutes`
  }
  const secs = Math.max(remaining, 0)
  return secs === 1 ? '1 second' : `${secs} seconds`
}

function csrfToken () {
  const meta = document.querySelector('meta[name="csrf-token"]')
  if (meta && meta.content) return meta.content
  const input = document.querySelector('input[name="csrfmiddlewaretoken"]')
  return input ? input.value : ''
}

function start () {
  let timeout = seconds(body.dataset.idleTimeout, 1800)
  const warning = Math.min(seconds(body.dataset.idleWarning, 120), timeout)
  const extendUrl = body.dataset.extendUrl
  const loginUrl = body.dataset.loginUrl || '/accounts/login/'

  const countdown = dialog.querySelector('.js-session-timeout-countdown')
  const announcer = dialog.querySelector('.js-session-timeout-announcer')
  const problem = dialog.querySelector('.js-session-timeout-problem')
  const staySignedIn = dialog.querySelector('.js-session-timeout-extend')
  const signOut = dialog.querySelector('.js-session-timeout-sign-out')

  let lastActivity = Date.now()
  let lastBucket = null
  let returnFocusTo = null
  let finished = false
  let extending = false

  function remainingSeconds () {
    return Math.ceil((lastActivity + timeout * 1000 - Date.now()) / 1000)
  }

  function share () {
    try {
      window.localStorage.setItem(STORAGE_KEY, String(lastActivity))
    } catch (error) {
      // Storage may be disabled; each tab then keeps its own countdown.
    }
  }

  function isOpen () {
    return dialog.hasAttribute('open')
  }

  function open () {
    returnFocusTo = document.activeElement
    problem.hidden = true
    lastBucket = null
    announcer.textContent = ''
    if (typeof dialog.showModal === 'function') {
      dialog.showModal()
    } else {
      dialog.setAttribute('open', '')
    }
    staySignedIn.focus()
  }

  function close () {
    if (!isOpen()) return
    if (typeof dialog.close === 'function') {
      dialog.close()
    } else {
      dialog.removeAttribute('open')
    }
    if (returnFocusTo && typeof returnFocusTo.focus === 'function' && document.contains(returnFocusTo)) {
      returnFocusTo.focus()
    }
    returnFocusTo = null
  }

  function restart (at) {
    lastActivity = at
    close()
  }

  function finish () {
    finished = true
    window.location.assign(loginUrl)
  }

  // Screen readers hear the time left when the dialog opens (it is the
  // dialog's description), then at each whole minute and at 30 and 10
  // seconds; not every second.
  function bucket (remaining) {
    if (remaining > 60) return Math.ceil(remaining / 60) * 60
    if (remaining > 30) return 60
    if (remaining > 10) return 30
    return 10
  }

  function announce (remaining) {
    const current = bucket(remaining)
    if (lastBucket !== null && current !== lastBucket) {
      announcer.textContent = `You will be signed out in ${describe(remaining)}.`
    }
    lastBucket = current
  }

  function tick () {
    if (finished) return
    // One second of slack so the server has certainly ended the session.
    const remaining = remainingSeconds()
    if (remaining <= -1) {
      finish()
      return
    }
    if (remaining <= warning) {
      if (!isOpen()) open()
      countdown.textContent = describe(remaining)
      announce(remaining)
    } else if (isOpen()) {
      close()
    }
  }

  async function extend () {
    if (extending) return
    extending = true
    problem.hidden = true
    try {
      const response = await fetch(extendUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          Accept: 'application/json',
          'X-CSRFToken': csrfToken(),
          'X-Requested-With': 'XMLHttpRequest'
        }
      })
      const type = response.headers.get('Content-Type') || ''
      if (!response.ok || !type.includes('application/json')) {
        // Signed out already (the server answered with the sign-in page).
        finish()
        return
      }
      const data = await response.json()
      timeout = seconds(data.idle_timeout_seconds, timeout)
      restart(Date.now())
      share()
    } catch (error) {
      problem.hidden = false
    } finally {
      extending = false
    }
  }

  function signOutNow () {
    const form = document.getElementById('sign-out-form')
    finished = true
    if (form) {
      if (typeof form.requestSubmit === 'function') {
        form.requestSubmit()
      } else {
        form.submit()
      }
    } else {
      window.location.assign(body.dataset.logoutUrl || loginUrl)
    }
  }

  staySignedIn.addEventListener('click', extend)
  signOut.addEventListener('click', signOutNow)
  // Escape means "not now": keep the user signed in, as the dialog asks.
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault()
    extend()
  })
  window.addEventListener('storage', (event) => {
    if (event.key !== STORAGE_KEY || !event.newValue) return
    const at = parseInt(event.newValue, 10)
    if (Number.isFinite(at) && at > lastActivity) restart(at)
  })
  // Timers pause in background tabs and sleeping laptops; always measure
  // against the clock, and check again as soon as the page is visible.
  document.addEventListener('visibilitychange', tick)

  share()
  window.setInterval(tick, 1000)
  tick()
}

if (dialog && body.dataset.idleTimeout && body.dataset.extendUrl) {
  start()
}
