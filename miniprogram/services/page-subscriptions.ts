/**
 * What a page subscribed to, released on unload. Kept outside the page's data (setData would copy
 * functions away) and keyed by the page instance.
 */
type Off = () => void

const subscriptions = new WeakMap<object, Off[]>()

/** Records unsubscribe functions for `page`. */
export function hold(page: object, ...offs: Off[]): void {
  subscriptions.set(page, (subscriptions.get(page) ?? []).concat(offs))
}

/** Calls and forgets every unsubscribe recorded for `page`; safe to call twice. */
export function releaseAll(page: object): void {
  const offs = subscriptions.get(page) ?? []
  subscriptions.delete(page)
  offs.forEach((off) => off())
}
