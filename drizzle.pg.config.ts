// drizzle-kit reads this to generate PostgreSQL migrations from src/db/pg-schema.ts into migrations/postgres/:
//   npx drizzle-kit generate --config drizzle.pg.config.ts
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/pg-schema.ts',
  out: './migrations/postgres',
});
