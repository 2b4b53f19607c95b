import * as YAML from 'yaml';
import { urlSettingOf } from '../src';
import { platform, renderChart } from './support/charts';
import { synthProject } from './support/project';

// The compose file (smoke and load tests, local runs) and the charts (clusters) both come from the
// model: a container must get the same user, filesystem, port, health path and settings in both,
// or the smoke test would pass on something production never runs.
const files = synthProject();
const compose = YAML.parse(files['deploy/compose.yaml']!);

describe.each(platform.services.map((s) => s.name))("%s: the compose service and the chart's pod agree", (name) => {
  const service = platform.service(name);
  const objects = renderChart(files, `charts/${name}`, {}, name) as any[];
  const pod = objects.find((o) => o.kind === 'Deployment').spec.template.spec;
  const container = pod.containers[0];
  const configMap = objects.find((o) => o.kind === 'ConfigMap').data;
  const c = compose.services[name];

  test('user and group', () => {
    expect(c.user).toBe(`${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`);
    expect(container.securityContext).toMatchObject({
      runAsUser: pod.securityContext.runAsUser,
      runAsGroup: pod.securityContext.runAsGroup,
    });
  });

  test('read-only root, writable /tmp only, no capabilities, no privilege escalation', () => {
    expect(c.read_only).toBe(container.securityContext.readOnlyRootFilesystem);
    expect(c.read_only).toBe(true);
    const mounts = container.volumeMounts.map((m: any) => m.mountPath);
    expect(c.tmpfs).toEqual(mounts);
    expect(mounts).toEqual(['/tmp']);
    const tmp = pod.volumes.find((v: any) => v.name === container.volumeMounts[0].name);
    expect(tmp.emptyDir).toBeDefined();
    expect(c.cap_drop).toEqual(container.securityContext.capabilities.drop);
    expect(c.security_opt).toContain('no-new-privileges:true');
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
  });

  test('port and health path', () => {
    expect(c.ports).toEqual([`127.0.0.1:${service.port}:${container.ports[0].containerPort}`]);
    expect(container.readinessProbe.httpGet).toEqual({ path: service.healthPath, port: service.port, scheme: 'HTTP' });
    expect(c.healthcheck.test.join(' ')).toContain(
      `'http://127.0.0.1:${container.readinessProbe.httpGet.port}${container.readinessProbe.httpGet.path}'`,
    );
  });

  test('memory limit', () => {
    expect(`${c.mem_limit}`.toLowerCase()).toBe(container.resources.limits.memory.replace(/i$/, '').toLowerCase());
  });

  test("environment: the same settings and values; each called service's URL names that service on its port", () => {
    expect(Object.keys(c.environment).sort()).toEqual(Object.keys(configMap).sort());
    for (const [key, value] of Object.entries(c.environment)) {
      const callee = service.calls.find((x) => urlSettingOf(x) === key);
      if (callee) {
        const port = platform.service(callee).port;
        expect(value).toBe(`http://${callee}:${port}`);
        expect(configMap[key]).toBe(`http://${callee}.voice.svc:${port}`);
      } else {
        expect(configMap[key]).toBe(value);
      }
    }
  });
});
