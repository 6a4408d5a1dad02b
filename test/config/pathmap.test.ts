import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePathMapping, toLocal, toServer, type PathMapping } from '../../src/config/pathmap.ts';

const docker: PathMapping[] = [
  { server: '/config/Library/Application Support/Plex Media Server', local: '/mnt/plex config/Plex Media Server' },
  { server: '/data', local: '/srv/media' },
  { server: '/data/Movies', local: '/mnt/movies' },
];
const windowsShare: PathMapping[] = [
  { server: 'C:\\Users\\plex\\AppData\\Local\\Plex Media Server', local: '/mnt/win/Plex Media Server' },
  { server: 'D:\\Media', local: '/mnt/d media' },
];
const nasToWindows: PathMapping[] = [{ server: '/volume1/video', local: '\\\\nas\\video' }];

test('server → local and back, longest prefix first, whole segments only', () => {
  const cases: Array<[string, PathMapping[], string]> = [
    ['/config/Library/Application Support/Plex Media Server/Logs/PMS Plugin Logs/com.plexapp.agents.GEVI.log', docker,
      '/mnt/plex config/Plex Media Server/Logs/PMS Plugin Logs/com.plexapp.agents.GEVI.log'],
    ['/data/Movies/Big Buck Bunny (2008).mkv', docker, '/mnt/movies/Big Buck Bunny (2008).mkv'],
    ['/data/Shows/x.mkv', docker, '/srv/media/Shows/x.mkv'],
    ['/datax/Shows/x.mkv', docker, '/datax/Shows/x.mkv'],
    ['/elsewhere/a.mkv', docker, '/elsewhere/a.mkv'],
    ['c:\\users\\PLEX\\AppData\\Local\\Plex Media Server\\Plug-ins\\GEVI.bundle\\Contents\\Code\\__init__.py', windowsShare,
      '/mnt/win/Plex Media Server/Plug-ins/GEVI.bundle/Contents/Code/__init__.py'],
    ['D:/Media/Films/A & B (2001).mp4', windowsShare, '/mnt/d media/Films/A & B (2001).mp4'],
    ['/volume1/video/Films/x.mkv', nasToWindows, '\\\\nas\\video\\Films\\x.mkv'],
  ];
  for (const [input, maps, want] of cases) assert.equal(toLocal(input, maps), want, input);
  assert.equal(toServer('/mnt/movies/Big Buck Bunny (2008).mkv', docker), '/data/Movies/Big Buck Bunny (2008).mkv');
  assert.equal(toServer('/mnt/d media/Films/x.mkv', windowsShare), 'D:\\Media\\Films\\x.mkv');
  assert.equal(toServer('\\\\NAS\\Video\\Films\\x.mkv', nasToWindows), '/volume1/video/Films/x.mkv');
  assert.equal(toLocal('/data', docker), '/srv/media');
});

test('parsePathMapping: server=local pairs, Windows drives, = inside names', () => {
  assert.deepEqual(parsePathMapping('/config=/mnt/plex'), { server: '/config', local: '/mnt/plex' });
  assert.deepEqual(parsePathMapping('C:\\Plex=/mnt/c plex'), { server: 'C:\\Plex', local: '/mnt/c plex' });
  assert.deepEqual(parsePathMapping('/data/a=b=/mnt/x'), { server: '/data/a=b', local: '/mnt/x' });
  assert.deepEqual(parsePathMapping('/volume1/video=\\\\nas\\video'), { server: '/volume1/video', local: '\\\\nas\\video' });
  assert.equal(parsePathMapping('nonsense'), undefined);
  assert.equal(parsePathMapping('/a=relative/b'), undefined);
});
