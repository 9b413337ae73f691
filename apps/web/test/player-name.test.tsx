/**
 * Player names come from the casino's feed: on the dashboard they lose invisible formatting
 * characters and are isolated, so a U+202E override cannot make a name (or the text around it)
 * read as something else.
 */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { PlayerName } from '../src/components/PlayerName';
import { playerNameText } from '../src/format';

describe('player names on the dashboard', () => {
  it('lose bidi overrides, isolates, zero-width characters and the BOM', () => {
    expect(playerNameText('\u202EevilName\u202C')).toBe('evilName');
    expect(playerNameText('\uFEFFGood\u200B \u2066Player\u2069')).toBe('Good Player');
    expect(playerNameText('\u200E\u202E')).toBe('Anonymous');
  });

  it('render isolated, so a right-to-left name cannot reorder its surroundings', () => {
    expect(renderToStaticMarkup(<PlayerName name={'\u202Egnp.exe'} />)).toBe('<bdi>gnp.exe</bdi>');
  });
});
