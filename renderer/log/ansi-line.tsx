// One log line with its ANSI colours rendered (by anser) as coloured spans; plain lines skip the parser.
import Anser from 'anser';
import { memo } from 'react';

/** The line's text, coloured as the program printed it. */
export const AnsiLine = memo(function AnsiLine({ text }: { text: string }) {
  if (!text.includes('\u001b[')) return <>{text}</>;
  const parts = Anser.ansiToJson(text, { remove_empty: true });
  return (
    <>
      {parts.map((part, index) => {
        const style: React.CSSProperties = {};
        if (part.fg) style.color = `rgb(${part.fg})`;
        if (part.bg) style.background = `rgb(${part.bg})`;
        if (part.decorations.includes('bold')) style.fontWeight = 'bold';
        if (part.decorations.includes('italic')) style.fontStyle = 'italic';
        if (part.decorations.includes('underline')) style.textDecoration = 'underline';
        if (part.decorations.includes('dim')) style.opacity = 0.7;
        return part.fg || part.bg || part.decorations.length ? <span key={index} className="ansi" style={style}>{part.content}</span> : <span key={index}>{part.content}</span>;
      })}
    </>
  );
});
