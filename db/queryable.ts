/** What every repository takes: the pool, or one client of it inside a transaction. */
import type { Pool, PoolClient } from 'pg';

export type Queryable = Pick<Pool | PoolClient, 'query'>;
