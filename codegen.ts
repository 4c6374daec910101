import type { CodegenConfig } from '@graphql-codegen/cli';

/** Typed documents for the client operations in schema/operations, used by tests and benchmarks. */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['schema/operations/**/*.graphql'],
  generates: {
    'schema/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false, object: true },
      },
    },
  },
  hooks: {},
  silent: true,
};

export default config;
