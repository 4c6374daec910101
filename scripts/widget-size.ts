// Prints the size of the browser scripts as served (minified), and gzipped: `npm run size:widget`.
import { gzipSync } from 'node:zlib';
import { browserScript, clientScriptPath, widgetScriptPath } from '../src/http/client-script.js';

for (const path of [widgetScriptPath, clientScriptPath]) {
  const { body } = await browserScript(path);
  const bytes = Buffer.byteLength(body);
  console.log(`${path}: ${(bytes / 1024).toFixed(1)} KB minified, ${(gzipSync(body).length / 1024).toFixed(1)} KB gzipped`);
}
