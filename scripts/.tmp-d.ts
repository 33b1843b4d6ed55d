import { statechartGraph } from '../src/diagram/statechartGraph.ts';
import { toDot } from '../src/diagram/dot.ts';
import { renderSvg } from '../src/diagram/svg.ts';
import { callPermissionMachine } from '../machines/callPermission.machine.ts';
import { writeFileSync } from 'node:fs';
const g = statechartGraph(callPermissionMachine);
const svg = await renderSvg(toDot(g)); writeFileSync('/tmp/wacp/s.svg', svg); console.log(svg.slice(300, 400));
