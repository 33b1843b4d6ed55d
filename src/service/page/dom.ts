/** Finding the page's own elements and building new ones. */

/** The element `id` of index.html, as the kind it is there: a missing or different one is a bug, said at once. */
export function byId<T extends Element>(id: string, kind: new () => T): T {
  return ensure(document.getElementById(id), kind, `#${id}`);
}

/** The first element matching `selector`, as the kind index.html gives it. */
export function one<T extends Element>(selector: string, kind: new () => T): T {
  return ensure(document.querySelector(selector), kind, selector);
}

function ensure<T extends Element>(found: Element | null, kind: new () => T, selector: string): T {
  if (found instanceof kind) return found;
  throw new Error(`the inspector page has no ${kind.name} ${selector}`);
}

/** What an attribute may be given: `false`, `null` and `undefined` leave it out, `true` sets it empty. */
export type AttributeValue = string | number | boolean | null | undefined;

export interface Attributes {
  readonly class?: string;
  readonly dataset?: Readonly<Record<string, string>>;
  readonly [name: string]: AttributeValue | Readonly<Record<string, string>>;
}

/** A child node; `null` and `undefined` are left out, so a part that is not there is written inline. */
export type Child = Node | string | null | undefined;

/** `<tag attributes…>children…</tag>`; an array among the children stands for its items. */
export function element<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: (Child | readonly Child[])[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'object') Object.assign(node.dataset, value);
    else if (name === 'class') node.className = String(value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== undefined && child !== null) node.append(child);
  return node;
}
