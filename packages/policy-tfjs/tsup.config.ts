import { packageConfig } from '../../tsup.base';

export default packageConfig({ index: 'src/index.ts', 'policy-worker': 'src/policy-worker.ts' });
