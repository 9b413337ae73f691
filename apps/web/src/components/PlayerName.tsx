import { playerNameText } from '../format';

/**
 * A player's name, shown safely: without invisible formatting characters, and isolated
 * (`<bdi>`) so a right-to-left name cannot reorder the text around it.
 */
export function PlayerName({ name }: { name: string }) {
  return <bdi>{playerNameText(name)}</bdi>;
}
