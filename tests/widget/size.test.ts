// The widget's size budget (issue 13): at most 25 KB gzipped, graphql-ws included.
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { browserScript, widgetScriptPath } from '../../src/http/client-script.js';

it('is at most 25 KB gzipped, graphql-ws included, and imports nothing', async () => {
  const { body } = await browserScript(widgetScriptPath);
  expect(gzipSync(body).length).toBeLessThanOrEqual(25 * 1024);
  expect(body).not.toMatch(/^import\b/m);
  expect(body).toContain('threadline-comments');
});
