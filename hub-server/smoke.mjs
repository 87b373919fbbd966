import { PGlite } from '@electric-sql/pglite';
let t0 = Date.now(); const db = new PGlite(); await db.waitReady; console.log('new', Date.now()-t0);
await db.exec('create table t(a int primary key, b text)');
t0 = Date.now(); const dump = await db.dumpDataDir('none'); console.log('dump', Date.now()-t0, dump.size);
t0 = Date.now(); const db2 = new PGlite({ loadDataDir: dump }); await db2.waitReady; console.log('load', Date.now()-t0, (await db2.query('select count(*) from t')).rows);
t0 = Date.now(); const db3 = await db.clone(); console.log('clone', Date.now()-t0, (await db3.query('select count(*) from t')).rows);
t0 = Date.now(); const db4 = new PGlite('/tmp/pgl-test-' + process.pid); await db4.waitReady; console.log('fs new', Date.now()-t0);
await db4.close(); t0 = Date.now(); const db5 = new PGlite('/tmp/pgl-test-' + process.pid); await db5.waitReady; console.log('fs reopen', Date.now()-t0);
t0 = Date.now();
await db5.exec('create table e(edge text, seq bigint, payload jsonb, primary key(edge,seq))');
for (let i=0;i<20;i++){ await db5.transaction(async tx => { for (let j=0;j<500;j++) await tx.query('insert into e values($1,$2,$3) on conflict do nothing', ['e1', i*500+j, JSON.stringify({a:1,code:'0123456789'})]); }); }
console.log('10k inserts in 500-batches', Date.now()-t0);
