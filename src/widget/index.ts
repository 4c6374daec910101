/** `/widget.js`: defines `<threadline-comments>` (src/widget/element.ts) once, wherever the module is loaded. */
import { ThreadlineComments } from './element.js';

export { ThreadlineComments };
export type { TokenSource } from './element.js';

if (!customElements.get('threadline-comments')) customElements.define('threadline-comments', ThreadlineComments);
