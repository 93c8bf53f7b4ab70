import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
function bench(name, fn, flops, n=10) {
  for (let i=0;i<2;i++){ const r=fn(); (Array.isArray(r)?r:[r]).forEach(t=>{t.dataSync(); t.dispose();}); }
  const t0=performance.now();
  for (let i=0;i<n;i++){ const r=fn(); (Array.isArray(r)?r:[r]).forEach(t=>{t.dataSync(); t.dispose();}); }
  const ms=(performance.now()-t0)/n;
  console.log(name.padEnd(40), ms.toFixed(3),'ms', flops? (flops/ms/1e6).toFixed(2)+' GFLOP/s':'');
}
const BH=128,T=64,dh=32;
const q=tf.randomNormal([BH,T,dh]), kt=tf.randomNormal([BH,dh,T]);
const f=BH*T*T*dh*2;
bench('unstack', ()=>tf.unstack(q));
bench('split', ()=>tf.split(q,128,0));
const qs=tf.unstack(tf.reshape(q,[BH,T,dh])), ks=tf.unstack(kt);
bench('128 matmuls only', ()=>qs.map((qq,i)=>tf.matMul(qq,ks[i])), f);
const outs=qs.map((qq,i)=>tf.matMul(qq,ks[i]));
bench('stack', ()=>tf.stack(outs));
bench('concat', ()=>tf.concat(outs,0));
